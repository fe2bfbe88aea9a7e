"""The fork server: forks workers with torch and NumPy already imported.

Whatever the grader holds (the reference, the checks, submissions, a TA's
cloud tokens) no worker forked from here may hold. Two ways to start it:

- *forked from the grader*, when the grader started with nothing but the
  variables it needs (``__main__`` sees to that) and has loaded nothing
  secret yet: it imports torch and NumPy once and forks the server,
  which then shares those pages with the grader and every worker (one
  import of torch instead of two: half the start-up CPU and about 150 MiB);
- *a fresh interpreter* (``python -m autograder.sandbox``) with an explicit
  minimal environment, anywhere else (a test process, a library caller).

Thread pools are sized to one thread before workers exist, so they never
oversubscribe the cores. Messages travel over a SOCK_SEQPACKET pair; a
worker's socket and output file are passed as file descriptors.
"""
from __future__ import annotations

import ctypes
import gc
import importlib
import json
import os
import select
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import NoReturn

from . import disk
from .cgroups import WorkerGroups
from .confine import close_fds_except, kill_all_processes_of, sandbox_uid, sweep_dead_servers
from .settings import Limits
from .. import eager_dynamo
from ..environment import WORKER_ENVIRONMENT, started_clean

PACKAGE_PARENT = Path(__file__).resolve().parents[2]
PR_SET_PDEATHSIG, PR_SET_CHILD_SUBREAPER = 1, 36
PRELOAD = ("math", "random", "itertools", "functools", "collections", "copy", "typing", "dataclasses",
           "time", "fractions", "decimal", "statistics", "numbers", "abc", "enum", "warnings", "re", "json",
           "csv", "heapq", "bisect", "string", "operator", "pprint", "encodings.idna", "ctypes", "socket",
           # what torch._dynamo imports, should student code need the real one (eager_dynamo.py)
           "cProfile", "pstats", "profile", "sysconfig", "getpass", "hmac", "shlex", "termios", "secrets",
           "ctypes.util", "ctypes.wintypes",
           "numpy.linalg", "numpy.random", "numpy.testing", "torch.nn", "torch.nn.functional", "torch.optim",
           "torch.utils.data")
# Passed through to the fork server: numerical libraries' settings that correctness can depend on.
KEPT_VARIABLES = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "AUTOGRADER_NAMESPACES")


def server_environment() -> dict[str, str]:
    """The whole environment the fork server starts with: nothing of the grader's own."""
    kept = {k: os.environ[k] for k in KEPT_VARIABLES if k in os.environ}
    return {**WORKER_ENVIRONMENT, "PYTHONDONTWRITEBYTECODE": "1", **kept}


class ForkServer:
    """Handle on the fork-server process, held by the trusted grader."""

    def __init__(self, sandbox_only: tuple[str, ...] = ()) -> None:
        """``sandbox_only``: modules student code may need that the grader does not, imported by the server
        alone and only where the workers' account could not import them (it cannot read the installation)."""
        from ..assignments import secrets_loaded

        mine, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self.forked = started_clean() and not secrets_loaded()
        if self.forked:
            self._process: subprocess.Popen | _Forked = _fork(theirs.fileno(), sandbox_only)
        else:
            self._process = subprocess.Popen(
                [sys.executable, "-m", "autograder.sandbox", str(theirs.fileno()), ",".join(sandbox_only)],
                pass_fds=[theirs.fileno()], env=server_environment(), cwd=PACKAGE_PARENT, stdin=subprocess.DEVNULL)
        theirs.close()
        self.pid = self._process.pid
        self._sock = mine
        self._hello: dict | None = None  # read at first use: the grader goes on with its start-up meanwhile
        self.twin: ForkServer | None = None  # a second server for the worker that answers calls ahead (ahead.py)

    @property
    def containment(self) -> dict:
        """How workers are confined: ``namespaces`` (bool) and ``uid`` (int, as root; else None)."""
        if self._hello is None:
            self._hello = self._reply()
        return self._hello

    def spawn(self, job: dict, output_fd: int) -> tuple[int, socket.socket]:
        """Fork a worker that runs ``job``, printing to ``output_fd``; its pid and the socket to talk to it."""
        self.containment  # noqa: B018 - the greeting comes first on the socket
        mine, theirs = socket.socketpair()
        with theirs:
            socket.send_fds(self._sock, [json.dumps({"op": "spawn", "job": job}).encode()],
                            [theirs.fileno(), output_fd])
            return self._reply()["pid"], mine

    def interrupt(self, pid: int) -> None:
        """Ask a worker's process group which line it is running (SIGUSR1); no reply."""
        self._sock.sendall(json.dumps({"op": "interrupt", "pid": pid}).encode())
        self._reply()

    def stop(self, pid: int, grace: float) -> int:
        """Give a worker ``grace`` seconds to exit, then end it and everything it started; its wait status."""
        self._sock.sendall(json.dumps({"op": "stop", "pid": pid, "grace": grace}).encode())
        return self._reply()["status"]

    def close(self) -> None:
        if self.twin is not None:
            self.twin.close()
        self._sock.close()
        try:
            self._process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()

    def _reply(self) -> dict:
        data = self._sock.recv(65536)
        if not data:
            raise RuntimeError(f"the fork server has stopped (exit status {self._process.poll()})")
        return json.loads(data)


class _Forked:
    """A fork server forked from this process, with the part of Popen's interface ForkServer uses."""

    def __init__(self, pid: int):
        self.pid = pid
        self.returncode: int | None = None

    def poll(self) -> int | None:
        if self.returncode is None:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                self.returncode = os.waitstatus_to_exitcode(status)
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        deadline = time.monotonic() + (timeout if timeout is not None else float("inf"))
        while self.poll() is None:
            if time.monotonic() > deadline:
                raise subprocess.TimeoutExpired("fork server", timeout)
            time.sleep(0.01)
        return self.returncode

    def kill(self) -> None:
        os.kill(self.pid, signal.SIGKILL)


def _fork(fd: int, sandbox_only: tuple[str, ...]) -> _Forked:
    """Import what workers share here, then fork the server on ``fd``; nothing secret is loaded yet."""
    preload(PRELOAD)
    gc.freeze()  # the collectors of both processes then leave the shared objects' pages alone
    sys.stdout.flush()  # else the child could write our pending output a second time
    sys.stderr.flush()
    pid = os.fork()
    if pid == 0:
        close_fds_except(fd)  # the grader's files and sockets (a batch lane's pipes among them)
        main(fd, sandbox_only)
    return _Forked(pid)


def preload(names: tuple[str, ...]) -> None:
    """Import what student code commonly imports, while the files are still readable."""
    import sysconfig
    gc.disable()  # the imports make only objects that live on: collecting meanwhile costs a fifth of the start
    try:
        for name in names:
            importlib.import_module(name)
        sysconfig.get_config_vars()  # loads the platform's _sysconfigdata module
        import torch
        torch.set_num_threads(1)
        eager_dynamo.install()
    finally:
        gc.enable()


def readable_by_others(files: list[Path]) -> bool:
    """Whether an account in none of our groups could read ``files``: each readable by others, in folders
    others may list, below folders others may pass through."""
    for file in (Path(f).resolve() for f in files):
        if any(not os.stat(folder).st_mode & 0o001 for folder in file.parents) \
                or not os.stat(file.parent).st_mode & 0o004 or not os.stat(file).st_mode & 0o004:
            return False
    return True


def _module_files(modules: tuple[str, ...]) -> list[Path]:
    """The files of ``modules`` (not imported) and of the standard library they use."""
    import importlib.util

    specs = [importlib.util.find_spec(name) for name in modules]
    return [Path(os.__file__)] + [Path(spec.origin) for spec in specs if spec is not None and spec.origin]


def main(fd: int, sandbox_only: tuple[str, ...] = ()) -> NoReturn:
    """The fork server's own process."""
    libc = ctypes.CDLL(None)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)  # dies with the grader, whatever kills it
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the grader's to handle
    sock = socket.socket(fileno=fd)
    try:
        from . import namespaces
        preload(PRELOAD)
        from ..assignments import secrets_loaded
        assert not secrets_loaded(), secrets_loaded()
        isolate = os.environ.get("AUTOGRADER_NAMESPACES", "1") != "0" and namespaces.available()
        sweep_dead_servers()
        groups = WorkerGroups.create(os.getpid())
        hello = {"namespaces": isolate, "uid": sandbox_uid(os.getpid()), "cgroups": groups is not None,
                 "read_only": namespaces.read_only_paths(PACKAGE_PARENT) if isolate else []}
        if not isolate and hello["uid"] is not None and not readable_by_others(_module_files(sandbox_only)):
            preload(sandbox_only)  # the account workers run as could not import them from their files
        sock.sendall(json.dumps(hello).encode())
        # Orphans of student code (a double fork, setsid) become our children, not init's, so they are
        # reaped here: init in a container may never reap them, and zombies count against the process limit.
        libc.prctl(PR_SET_CHILD_SUBREAPER, 1)
        _serve(sock, hello, groups)
        if groups is not None:
            groups.close()
    finally:
        os._exit(0)


def _serve(sock: socket.socket, hello: dict, groups: WorkerGroups | None) -> None:
    from . import worker
    workers: dict[int, list[str]] = {}  # pid -> the control groups it joined
    spawned = 0
    while True:
        data, fds, _, _ = socket.recv_fds(sock, 65536, 2)
        if not data:
            return
        req = json.loads(data)
        if req["op"] == "spawn":
            spawned += 1
            joins = groups.make(f"worker-{spawned}", Limits(**req["job"]["limits"])) if groups else []
            job = {**req["job"], "uid": hello["uid"], "groups": joins,
                   "isolate": {"scratch": req["job"]["scratch"], "read_only": hello["read_only"]}
                   if hello["namespaces"] else None}
            pid = os.fork()
            if pid == 0:
                sock.close()
                worker.main(fds[0], fds[1], job)
            for fd in fds:
                os.close(fd)
            workers[pid] = joins
            sock.sendall(json.dumps({"pid": pid}).encode())
        elif req["op"] == "interrupt":
            if req["pid"] in workers:
                try:
                    os.killpg(req["pid"], signal.SIGUSR1)
                except ProcessLookupError:
                    pass
            sock.sendall(b"{}")
        elif req["op"] == "stop":
            joins = workers.pop(req["pid"], [])
            status = _reap(req["pid"], req["grace"])
            if groups is not None:
                groups.remove(joins)
            if hello["uid"] is not None:
                kill_all_processes_of(hello["uid"])
                if not hello["namespaces"]:
                    disk.remove_left_by(hello["uid"])
            _reap_orphans(workers)
            sock.sendall(json.dumps({"status": status}).encode())


def _reap_orphans(workers: dict[int, list[str]]) -> None:
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


def _await_exit(pid: int, seconds: float) -> None:
    """Wait up to ``seconds`` for the child ``pid`` to exit, leaving it unreaped: woken by its exit where the
    kernel gives a pidfd (Linux 5.3), else by polling (each poll cost a worker's stop up to 10 ms)."""
    if seconds <= 0:
        return
    try:
        fd = os.pidfd_open(pid)
    except (AttributeError, OSError):
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline and os.waitid(os.P_PID, pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is None:
            time.sleep(0.01)
        return
    try:
        select.select([fd], [], [], seconds)
    finally:
        os.close(fd)


def _reap(pid: int, grace: float) -> int:
    """Wait up to ``grace`` seconds for a natural exit, then kill the whole group and reap.

    The group is killed before reaping so stragglers die too, while the
    unreaped leader still holds the id and it cannot have been reused. In
    namespaces, the leader's death takes its PID namespace with it.
    """
    _await_exit(pid, grace)
    try:
        os.killpg(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    return os.waitpid(pid, 0)[1]
