"""Work on student data that no alarm can stop, done in a forked child with hard limits.

SymPy can spend minutes in one C call that holds the GIL (factoring a
20,000-digit integer while it reads ``sqrt(...)``): neither an alarm nor
another thread of the grader runs meanwhile. A child forked from the grader
has SymPy loaded already (a few milliseconds, not an interpreter's start),
runs under CPU and memory limits, and is killed at its deadline.
"""
from __future__ import annotations

import json
import os
import select
import signal
import sys
import time
from typing import Any, Callable

MEMORY_BYTES = 512 * 2**20  # on top of what the grader has mapped
MAX_REPLY = 2**20


class ChildFailed(Exception):
    """The child ran out of time or memory, or died; ``why`` says which, for the student."""

    def __init__(self, why: str):
        super().__init__(why)
        self.why = why


def in_child(function: Callable[..., Any], *args: Any, seconds: float) -> Any:
    """``function(*args)`` computed in a forked child; its result must be JSON-able.

    Where there is no fork to trust (a student's own macOS or Windows), it runs here.
    """
    if not sys.platform.startswith("linux"):
        return function(*args)
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child's side is seen through its reply
        _child(read, write, function, args, seconds)
    os.close(write)
    try:
        reply = _read(read, time.monotonic() + seconds)
    finally:
        os.close(read)
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        os.waitpid(pid, 0)
    if reply is None:
        raise ChildFailed(f"could not be evaluated within {seconds:g} s")
    try:
        status, value = json.loads(reply)
    except ValueError:  # killed by a limit before it could reply
        raise ChildFailed("could not be evaluated within the grader's limits of time and memory") from None
    if status != "ok":
        raise ChildFailed(f"could not be evaluated ({value})")
    return value


def _child(read: int, write: int, function: Callable, args: tuple, seconds: float) -> None:
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


def _read(fd: int, deadline: float) -> bytes | None:
    """Everything the child writes before it closes its end, or None at the deadline."""
    chunks = []
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0 or not select.select([fd], [], [], remaining)[0]:
            return None
        chunk = os.read(fd, 65536)
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)
