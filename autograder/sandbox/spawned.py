"""The portable server: each worker a freshly started interpreter, for where the Linux sandbox is not.

A student's own macOS or Windows laptop has no fork server (no
SOCK_SEQPACKET, fd passing, prctl or /proc to build it on). There the code
is the student's own, so confinement is not the point; a separate process
that a per-check time limit can end is. Each worker is ``python -m
autograder.sandbox.spawned PORT``: it connects back to a loopback socket
(sockets, unlike pipes, can be waited on with a deadline on every
platform), proves it is ours with a token read from its standard input,
and then serves exactly as a confined worker does (serve.py), over the
same wire. Its output goes to the file the session opened. Nothing is
confined; the time limits hold everywhere, and where the platform has
POSIX resource limits (macOS) so do those on CPU time and file size.
"""
from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from ..environment import ONE_THREAD
from .settings import Limits, set_limit

PACKAGE_PARENT = Path(__file__).resolve().parents[2]
CONNECT_SECONDS = 60.0  # a cold interpreter on a slow laptop, before it even reaches the student's import


class SpawnServer:
    """Starts one interpreter per worker; the same interface as ForkServer (session.Server)."""

    containment = {"namespaces": False, "uid": None, "read_only": [], "portable": True}
    twin = None  # a second interpreter per worker would cost more than the calls ahead save

    def __init__(self, inherited_socket: bool = os.name == "posix") -> None:
        """``inherited_socket``: each worker inherits its end of a socket pair (POSIX), so there is no port a
        process left by an earlier submission could answer on and no secret it could read from another's
        command line or input; elsewhere (Windows, which has no /proc) a loopback port and a token."""
        self.pid = os.getpid()  # no server process of its own
        self._listener = None if inherited_socket else socket.create_server(("127.0.0.1", 0))
        self._workers: dict[int, subprocess.Popen] = {}

    def spawn(self, job: dict, output_fd: int) -> tuple[int, socket.socket]:
        token = secrets.token_hex(16) if self._listener is not None else ""
        mine, theirs = (None, None) if self._listener is not None else socket.socketpair()
        where = ["--port", str(self._listener.getsockname()[1])] if theirs is None else ["--fd", str(theirs.fileno())]
        process = subprocess.Popen(
            [sys.executable, "-m", "autograder.sandbox.spawned", *where], pass_fds=[theirs.fileno()] if theirs else (),
            stdin=subprocess.PIPE, stdout=output_fd, stderr=output_fd, cwd=PACKAGE_PARENT,
            env={**os.environ, **ONE_THREAD}, start_new_session=os.name == "posix")
        if theirs is not None:
            theirs.close()
        try:
            process.stdin.write((token + "\n" if token else "").encode() + json.dumps(job).encode() + b"\n")
            process.stdin.close()  # student code that reads its input finds it empty, as in a confined worker
        except BrokenPipeError:
            pass  # it died at once: _accept says so
        self._workers[process.pid] = process
        if mine is None:
            return process.pid, self._accept(process, token)
        # the worker says so once its harness is loaded: the time limits then count student code alone
        if not _said(mine, READY, time.monotonic() + CONNECT_SECONDS):
            process.kill()
            raise RuntimeError(f"a worker interpreter did not start (exit status {process.wait()})")
        return process.pid, mine

    def _accept(self, process: subprocess.Popen, token: str) -> socket.socket:
        """The connection that comes with ``token`` (anything else on the loopback port is turned away)."""
        deadline = time.monotonic() + CONNECT_SECONDS
        self._listener.settimeout(0.5)
        while time.monotonic() < deadline and process.poll() is None:
            try:
                sock, _ = self._listener.accept()
            except TimeoutError:
                continue
            if _said(sock, token.encode() + b"\n", time.monotonic() + 5.0):
                return sock
            sock.close()
        process.kill()
        raise RuntimeError(f"a worker interpreter did not start (exit status {process.wait()})")

    def interrupt(self, pid: int) -> None:
        if hasattr(signal, "SIGUSR1") and pid in self._workers:
            try:
                os.kill(pid, signal.SIGUSR1)
            except ProcessLookupError:
                pass

    def stop(self, pid: int, grace: float) -> int:
        process = self._workers.pop(pid, None)
        if process is None:  # ended already, by close
            return 0
        try:
            process.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            pass
        _kill(process)
        code = process.wait()
        return -code if code < 0 else code << 8  # POSIX's wait status, as the fork server reports it

    def close(self) -> None:
        for pid in list(self._workers):
            self.stop(pid, 0.0)
        if self._listener is not None:
            self._listener.close()


READY = b"ready\n"


def _said(sock: socket.socket, expected: bytes, deadline: float) -> bool:
    """Whether the next bytes on ``sock`` are exactly ``expected`` (read no further: what follows is the worker's
    first message)."""
    said = b""
    try:
        while len(said) < len(expected):
            sock.settimeout(max(0.01, deadline - time.monotonic()))
            chunk = sock.recv(len(expected) - len(said))
            if not chunk:
                break
            said += chunk
    except OSError:
        pass
    sock.settimeout(None)
    return said == expected


def _kill(process: subprocess.Popen) -> None:
    """The worker and, where the platform groups processes, whatever it started."""
    if os.name == "posix":
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    else:  # Windows: TerminateProcess ends the worker; processes it started are left to the student's machine
        process.kill()


def main(how: str, where: int) -> None:
    """The worker's own process: load the harness, take its socket (or connect and prove who it is), serve.

    The harness (NumPy, torch) loads before connecting, so that the import time limit counts only the
    student's own import, as with a fork server that preloaded it.
    """
    from .serve import hide_grader, serve
    if how == "--fd":
        sock, job = socket.socket(fileno=where), json.loads(sys.stdin.buffer.readline())
        sock.sendall(READY)
    else:
        token, job = sys.stdin.buffer.readline(), json.loads(sys.stdin.buffer.readline())
        sock = socket.create_connection(("127.0.0.1", where))
        sock.sendall(token)
    _limit_time_and_files(Limits(**job["limits"]))
    os.chdir(job["workdir"])
    hide_grader(job["hidden_paths"])
    serve(sock, job["workdir"], job["module_name"], job["module_file"])


def _limit_time_and_files(limits: Limits) -> None:
    """The limits every POSIX system enforces (macOS ignores one on address space); none on Windows."""
    try:
        import resource
    except ImportError:
        return

    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit then fails instead of killing
    set_limit(resource.RLIMIT_CPU, limits.cpu_seconds)
    set_limit(resource.RLIMIT_FSIZE, limits.file_bytes)
    set_limit(resource.RLIMIT_CORE, 0)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
