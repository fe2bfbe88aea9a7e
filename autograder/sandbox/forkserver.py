"""The fork server: forks workers with torch, NumPy and SymPy already imported.

It is forked from the grader before the reference solutions or the checks
are imported, so a worker's memory holds nothing a student may not see, and
it never runs a torch operation itself, so its children start with a clean
thread pool. Messages travel over a SOCK_SEQPACKET pair; a worker's socket
is passed as a file descriptor.
"""
from __future__ import annotations

import ctypes
import importlib
import json
import os
import signal
import socket
import time
from typing import NoReturn

from . import worker
from .confine import SandboxUser, kill_all_processes_of

PR_SET_CHILD_SUBREAPER = 36
PRELOAD = ("math", "random", "itertools", "functools", "collections", "copy", "typing", "dataclasses",
           "time", "fractions", "decimal", "statistics", "numbers", "abc", "enum", "warnings", "re", "json",
           "csv", "heapq", "bisect", "string", "operator", "pprint", "encodings.idna", "ctypes", "socket",
           # what torch imports lazily at an optimizer's first use (torch._dynamo itself is readable)
           "cProfile", "pstats", "profile", "sysconfig", "getpass", "hmac", "shlex", "termios", "secrets",
           "ctypes.util", "ctypes.wintypes",
           "numpy.linalg", "numpy.random", "numpy.testing", "torch.nn", "torch.nn.functional", "torch.optim",
           "torch.utils.data", "sympy")


def preload(names: tuple[str, ...]) -> None:
    """Import what student code commonly imports, while the files are still readable."""
    import sysconfig
    for name in names:
        importlib.import_module(name)
    sysconfig.get_config_vars()  # loads the platform's _sysconfigdata module


class ForkServer:
    """Handle on the fork-server process, held by the trusted grader."""

    def __init__(self, shared: tuple[str, ...] = ()) -> None:
        """``shared``: heavy, secret-free modules the grader needs too, imported here before the
        fork so that grader, fork server and workers pay for them once."""
        from ..assignments import secrets_loaded
        if secrets_loaded():
            raise RuntimeError(f"the fork server must start before any reference or check is loaded: {secrets_loaded()}")
        preload(shared)
        mine, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        pid = os.fork()
        if pid == 0:
            try:  # the child must never return into the grader's code, whatever fails
                mine.close()
                preload(PRELOAD)  # here, not before the fork: the grader goes on with its start-up meanwhile
                _serve(theirs)
            finally:
                os._exit(70)
        theirs.close()
        self.pid = pid
        self._sock = mine

    def spawn(self, job: dict, worker_sock: socket.socket) -> int:
        """Fork a worker that runs ``job`` on ``worker_sock``; returns its pid."""
        socket.send_fds(self._sock, [json.dumps({"op": "spawn", "job": job}).encode()], [worker_sock.fileno()])
        return self._reply()["pid"]

    def reap(self, pid: int, grace: float) -> int:
        """Give a worker ``grace`` seconds to exit, kill its process group, return its wait status."""
        self._sock.sendall(json.dumps({"op": "reap", "pid": pid, "grace": grace}).encode())
        return self._reply()["status"]

    def sweep(self, user: SandboxUser) -> None:
        """Kill every process the sandbox account still owns."""
        self._sock.sendall(json.dumps({"op": "sweep", "user": [user.name, user.uid, user.gid]}).encode())
        self._reply()

    def close(self) -> None:
        self._sock.close()
        os.waitpid(self.pid, 0)

    def _reply(self) -> dict:
        data = self._sock.recv(65536)
        if not data:
            raise RuntimeError("the fork server has stopped")
        return json.loads(data)


def _serve(sock: socket.socket) -> NoReturn:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the grader's to handle
    # Orphans of student code (a double fork, setsid) become our children, not init's, so they are
    # reaped here: init in a container may never reap them, and zombies count against the process limit.
    ctypes.CDLL(None).prctl(PR_SET_CHILD_SUBREAPER, 1)
    workers: set[int] = set()
    try:
        while True:
            data, fds, _, _ = socket.recv_fds(sock, 65536, 1)
            if not data:
                break
            req = json.loads(data)
            if req["op"] == "spawn":
                pid = os.fork()
                if pid == 0:
                    sock.close()
                    worker.main(fds[0], req["job"])
                os.close(fds[0])
                workers.add(pid)
                sock.sendall(json.dumps({"pid": pid}).encode())
            elif req["op"] == "reap":
                workers.discard(req["pid"])
                sock.sendall(json.dumps({"status": _reap(req["pid"], req["grace"])}).encode())
            elif req["op"] == "sweep":
                kill_all_processes_of(SandboxUser(*req["user"]))
                _reap_orphans(workers)
                sock.sendall(b"{}")
    finally:
        os._exit(0)


def _reap_orphans(workers: set[int]) -> None:
    """Reap dead children that are not workers: student processes that outlived their worker."""
    me = str(os.getpid())
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) in workers:
            continue
        try:
            with open(f"/proc/{entry}/stat") as fh:
                state, parent = fh.read().rsplit(")", 1)[1].split()[:2]
        except OSError:
            continue
        if parent == me and state == "Z":
            os.waitpid(int(entry), 0)


def _reap(pid: int, grace: float) -> int:
    """Wait up to ``grace`` seconds for a natural exit, then kill the whole group and reap.

    The group is killed before reaping so stragglers die too, while the
    unreaped leader still holds the id and it cannot have been reused.
    """
    deadline = time.monotonic() + grace
    flags = os.WEXITED | os.WNOHANG | os.WNOWAIT
    while time.monotonic() < deadline and os.waitid(os.P_PID, pid, flags) is None:
        time.sleep(0.01)
    try:
        os.killpg(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    return os.waitpid(pid, 0)[1]
