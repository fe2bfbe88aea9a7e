"""Self-check where the Linux sandbox cannot run (macOS, Windows): the portable server, forced here.

The ``non_linux`` environment takes away, in every process, what only Linux or POSIX offers (resource,
fork, pread, SIGALRM, SIGUSR1...), so a use of any of them on the student's path shows up on this machine.
"""
from __future__ import annotations

import os
import re
import socket
import subprocess
import sys

import pytest

from autograder.sandbox import WorkerSession

from conftest import ROOT, cli, started_in


def check(assignment: str, path: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "autograder", "check", assignment, path], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)


def test_check_scores_the_same_without_the_linux_sandbox(non_linux):
    portable = check("hw6", "examples/hw6.py", non_linux)
    confined = cli("check", "hw6", "examples/hw6.py")
    assert portable.returncode == 0, portable.stderr
    total = re.search(r"^Total: (\S+)", confined.stdout, re.M).group(1)
    assert f"Total: {total} " in portable.stdout and total == "25/37"
    assert "5.1" in portable.stdout and "nn.ModuleList" in portable.stdout  # feedback is the same too
    assert len(started_in(non_linux)) >= 2  # the grader and at least one worker ran without Linux's extras


def test_formulas_are_compared_where_there_is_no_interval_timer(non_linux):
    out = check("midterm", "reference/midterm.py", non_linux)
    assert re.search(r"^Total: (\d+)/\1 ", out.stdout, re.M), out.stdout + out.stderr


def test_the_portable_server_is_refused_for_grading_unless_unconfined(non_linux):
    refused = subprocess.run([sys.executable, "-m", "autograder", "grade", "hw6", "examples/hw6.py"], cwd=ROOT,
                             env=non_linux, capture_output=True, text=True, timeout=300)
    assert refused.returncode == 3 and "refusing to grade" in refused.stderr and "--unconfined" in refused.stderr


def test_a_stranger_on_the_loopback_port_is_turned_away(tmp_path):
    """Where workers connect back over loopback (Windows): a token proves them."""
    from autograder.sandbox.spawned import SpawnServer

    spawn_server = SpawnServer(inherited_socket=False)
    port = spawn_server._listener.getsockname()[1]
    stranger = socket.create_connection(("127.0.0.1", port))
    stranger.sendall(b"0" * 32 + b"\n")  # queued first: the server must not take it for its worker
    path = tmp_path / "hw6.py"
    path.write_text("def answer():\n    return 42\n")
    session = WorkerSession(spawn_server, path, "hw6")
    try:
        assert session.request({"probe": "call", "name": "answer", "args": []}, 5.0, "answer").value["value"] == 42
        assert stranger.recv(1) == b""  # closed by the server
    finally:
        session.close()
        stranger.close()
        spawn_server.close()


def test_on_posix_a_worker_inherits_its_socket_and_holds_no_secret(spawn_server, tmp_path):
    """No port to answer on and no token in a command line or an input that a process left by an earlier
    submission could read from /proc and use to speak for the next worker."""
    path = tmp_path / "hw6.py"
    path.write_text("import sys\nARGV = sys.argv\nINPUT = sys.stdin.read()\n")
    session = WorkerSession(spawn_server, path, "hw6")
    try:
        argv = session.request({"probe": "value", "name": "ARGV"}, 10.0, "ARGV").value["value"]
        assert spawn_server._listener is None and argv[1] == "--fd" and len(argv) == 3
        assert session.request({"probe": "value", "name": "INPUT"}, 10.0, "INPUT").value["value"] == ""
    finally:
        session.close()


def test_closing_the_portable_server_ends_its_workers(tmp_path):
    from autograder.sandbox.spawned import SpawnServer

    server = SpawnServer()
    path = tmp_path / "hw6.py"
    path.write_text("def answer():\n    return 42\n")
    session = WorkerSession(server, path, "hw6")
    session.request({"probe": "call", "name": "answer", "args": []}, 5.0, "answer")
    worker = session._pid
    server.close()  # the worker is still waiting for requests
    with pytest.raises(ProcessLookupError):
        os.kill(worker, 0)  # ended and reaped
    session.close()
