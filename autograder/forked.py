"""Work on student data that no alarm can stop, done in a forked child with hard limits.

SymPy can spend minutes in one C call that holds the GIL (factoring a
20,000-digit integer while it reads ``sqrt(...)``): neither an alarm nor
another thread of the grader runs meanwhile. Each job runs in a child forked
for it, under CPU and memory limits, killed at its deadline.

The child is forked from a *judge* where the grader started one
(``start_judge``): a process forked at the grader's start, before anything
secret or heavy is loaded, that imports what judging needs (SymPy, 0.2-0.5 s)
on another core while the grader imports torch, then forks one child per job.
Elsewhere the child is forked from the grader itself.
"""
from __future__ import annotations

import importlib
import json
import os
import pickle
import select
import signal
import struct
import sys
import time
from typing import Any, Callable, NoReturn

from .environment import linux_sandbox_available

MEMORY_BYTES = 512 * 2**20  # on top of what the judging process has mapped
MAX_REPLY = 16 * 2**20  # a notebook's code (2 MiB of text, a character escaped in up to 6 bytes)
# What the judge may take beyond a job's own limit: its imports, on a machine busy with other work.
JUDGE_GRACE_SECONDS = 60.0
_HEADER = struct.Struct("!I")


class ChildFailed(Exception):
    """The child ran out of time or memory, or died; ``why`` says which, for the student."""

    def __init__(self, why: str):
        super().__init__(why)
        self.why = why


def in_child(function: Callable[..., Any], *args: Any, seconds: float) -> Any:
    """``function(*args)`` computed in a forked child; its result must be JSON-able.

    Where there is no fork to trust (a student's own macOS or Windows), it runs here.
    """
    if not linux_sandbox_available():
        return function(*args)
    reply = _ask_judge(function, args, seconds) if _judge is not None else _UNASKED
    if reply is _UNASKED:
        reply = _run(function, args, seconds)
    if reply is None:
        raise ChildFailed(f"could not be evaluated within {seconds:g} s")
    try:
        status, value = json.loads(reply)
    except ValueError:  # killed by a limit before it could reply
        raise ChildFailed("could not be evaluated within the grader's limits of time and memory") from None
    if status != "ok":
        raise ChildFailed(f"could not be evaluated ({value})")
    return value


def start_judge(modules: tuple[str, ...]) -> None:
    """Fork the judge, which imports ``modules`` beside the grader's own start-up; call it before anything
    secret is loaded. Only on Linux, and once."""
    global _judge
    if _judge is not None or not linux_sandbox_available():
        return
    jobs_read, jobs_write = os.pipe()
    replies_read, replies_write = os.pipe()
    sys.stdout.flush()  # else the judge could write our pending output a second time
    sys.stderr.flush()
    parent = os.getpid()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the judge's side is seen through its replies
        _judge_main(parent, jobs_read, replies_write, modules)
    os.close(jobs_read)
    os.close(replies_write)
    _judge = (pid, jobs_write, replies_read)


def stop_judge() -> None:
    """End the judge, if one runs; formulas are then judged in children of the grader."""
    global _judge
    if _judge is not None:
        pid, jobs, replies = _judge
        _judge = None
        for fd in (jobs, replies):
            os.close(fd)
        _kill(pid)


_judge: tuple[int, int, int] | None = None  # the judge's pid, where its jobs go, where its replies come from
_UNASKED = object()


def _ask_judge(function: Callable, args: tuple, seconds: float) -> bytes | None | object:
    """The reply of ``function(*args)`` as the judge's child gave it (None: out of time); _UNASKED where the
    judge cannot run it (a function it cannot import by name) or has failed, which then ends it."""
    if "<" in function.__qualname__ or "." in function.__qualname__:
        return _UNASKED
    pid, jobs, replies = _judge
    # the grader's own data to its own child, which has run nothing of a student's: never the other way
    job = pickle.dumps((function.__module__, function.__qualname__, args, seconds))
    deadline = time.monotonic() + seconds + JUDGE_GRACE_SECONDS
    try:
        _write(jobs, job, deadline)
        frame = _read(replies, deadline, framed=True)
    except OSError:  # TimeoutError among them: a judge that does not take its job
        frame = None
    if frame:
        return None if frame == b"T" else frame[1:]
    stop_judge()
    return _UNASKED


def _judge_main(parent: int, jobs: int, replies: int, modules: tuple[str, ...]) -> NoReturn:
    """The judge: import ``modules``, then run each job of ``jobs`` in a child of its own."""
    from .sandbox.confine import close_fds_except, die_with

    try:
        die_with(parent)
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the grader's to handle
        null = os.open(os.devnull, os.O_RDWR)
        for fd in (0, 1):
            os.dup2(null, fd)
        close_fds_except(jobs, replies)
        for name in modules:
            importlib.import_module(name)
        while True:
            job = _read(jobs, float("inf"), framed=True)
            if not job:
                break
            module, name, args, seconds = pickle.loads(job)
            reply = _run(getattr(importlib.import_module(module), name), args, seconds)
            _write(replies, b"T" if reply is None else b"R" + reply)
    finally:
        os._exit(0)


def _run(function: Callable, args: tuple, seconds: float) -> bytes | None:
    """What a child forked for ``function(*args)`` wrote before it ended; None if it ran out of time."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child's side is seen through its reply
        _child(read, write, function, args, seconds)
    os.close(write)
    try:
        return _read(read, time.monotonic() + seconds)
    finally:
        os.close(read)
        _kill(pid)


def _kill(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    os.waitpid(pid, 0)


def _child(read: int, write: int, function: Callable, args: tuple, seconds: float) -> NoReturn:
    from .sandbox.confine import mapped_bytes
    from .sandbox.settings import set_limit
    import resource

    try:
        os.close(read)
        set_limit(resource.RLIMIT_CPU, int(seconds) + 1)
        set_limit(resource.RLIMIT_AS, mapped_bytes() + MEMORY_BYTES)
        reply = json.dumps(["ok", function(*args)])
    except MemoryError:
        reply = json.dumps(["error", "out of memory"])
    except BaseException as exc:  # noqa: BLE001 - reported to the parent, which decides
        reply = json.dumps(["error", type(exc).__name__])
    try:
        data = reply.encode()[:MAX_REPLY]
        while data:
            data = data[os.write(write, data):]
    finally:
        os._exit(0)


def _write(fd: int, data: bytes, deadline: float = float("inf")) -> None:
    """One frame: its length, then ``data``; TimeoutError if the reader has not taken it by the deadline."""
    data = _HEADER.pack(len(data)) + data
    while data:
        remaining = None if deadline == float("inf") else deadline - time.monotonic()
        if remaining is not None and (remaining <= 0 or not select.select([], [fd], [], remaining)[1]):
            raise TimeoutError
        data = data[os.write(fd, data[:select.PIPE_BUF]):]  # a writable pipe takes this much without blocking


def _read(fd: int, deadline: float, *, framed: bool = False) -> bytes | None:
    """Everything written to ``fd`` until its writer closes it (or, ``framed``, one frame of ``_write``);
    None at the deadline, and b"" if the writer closed it before a whole frame."""
    data = bytearray()
    while True:
        size = _HEADER.unpack_from(data)[0] if framed and len(data) >= _HEADER.size else None
        if size is not None and len(data) >= _HEADER.size + size:
            return bytes(data[_HEADER.size:_HEADER.size + size])
        remaining = None if deadline == float("inf") else deadline - time.monotonic()
        if remaining is not None and (remaining <= 0 or not select.select([fd], [], [], remaining)[0]):
            return None
        chunk = os.read(fd, 65536)
        if not chunk:
            return b"" if framed else bytes(data)
        data += chunk
