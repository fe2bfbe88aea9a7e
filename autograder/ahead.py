"""Calls answered ahead: a check's costly call, started by a second worker on a spare core as grading begins,
while the first worker answers the checks before it.

The second worker comes from a fork server of its own (``start_server``'s twin, probed like the first; its own
sandbox account, so that stopping one worker never touches the other's processes). Only a returned value is
taken from it. On anything else (an exception, a crash, an unreadable reply, a worker that could not start or
waited for a CPU) the call is asked of the first worker when its check comes, as it would have been without a
second one: the second worker saves time and never changes a verdict. A timeout is the one failure it reports:
it ran the very call for at least its limit, and asking again would double what a hang costs.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, replace
from pathlib import Path

from .sandbox import Limits, StudentFailure, WorkerSession, wire
from .sandbox.session import Contended

MAX_REQUEST_BYTES = 1 << 16  # sent before the worker reads: what a socket's buffer takes without blocking


@dataclass(frozen=True)
class Call:
    """A call of the student's function ``name`` on plain-data arguments, as ``Context.call`` makes it."""

    name: str
    args: tuple = ()
    timeout: float = 10.0

    def request(self) -> dict:
        return call_request(self.name, self.args, {})


def call_request(name: str, args: tuple, kwargs: dict) -> dict:
    """The request a call sends: the same whichever worker answers it."""
    return {"probe": "call", "name": name, "args": list(args), "kwargs": kwargs}


def second_worker_limits() -> Limits:
    """The first worker's limits with half its memory: both workers must fit beside the grader in Gradescope's
    768 MB; a call that needs more fails in the second and is asked of the first, which has it all."""
    limits = Limits()
    return replace(limits, memory_bytes=limits.memory_bytes // 2)


class Answers:
    """The second worker's replies to ``calls``, sent to it at once and read, in order, when a check asks."""

    def __init__(self, session: WorkerSession, calls: list[Call]):
        self._session = session
        self._pending: list[tuple[str, Call]] = []
        self._received: dict[str, wire.Decoded | StudentFailure] = {}
        try:
            for call in calls:
                req = call.request()
                message = session.message(req)
                if len(message) <= MAX_REQUEST_BYTES:
                    session.send(message)
                    self._pending.append((wire.digest(req), call))
        except (StudentFailure, OSError, RuntimeError):  # a worker or server that could not start: none ahead
            self._pending.clear()

    def answer(self, req: dict) -> wire.Decoded | None:
        """The value the second worker returned for ``req``; None where the first worker is to be asked."""
        key = wire.digest(req)
        while key not in self._received and any(k == key for k, _ in self._pending):
            sent, call = self._pending.pop(0)
            try:
                self._received[sent] = self._session.receive(call.timeout, call.name)
            except StudentFailure as failure:
                if failure.kind == "timeout" and not isinstance(failure, Contended):
                    self._received[sent] = failure
                self._pending.clear()  # stopped, or no longer answering in order
        found = self._received.pop(key, None)
        if isinstance(found, StudentFailure):
            raise found
        return found


def spare_core() -> bool:
    """Whether a second worker would have a core of its own: ``AUTOGRADER_SECOND_WORKER`` (1 or 0) says so where
    set; else two cores in this process's affinity and in its control group's quota (a container limited to
    one CPU, as Gradescope's may be, would only slice it). Other processes' load is not asked: with one
    spinning, hw6 graded as fast with a second worker as without (1.27 and 1.29 x import torch)."""
    forced = os.environ.get("AUTOGRADER_SECOND_WORKER")
    if forced in ("0", "1"):
        return forced == "1"
    if len(os.sched_getaffinity(0)) < 2:
        return False
    for quota_file, period_file in (("cpu.max", None), ("cpu/cpu.cfs_quota_us", "cpu/cpu.cfs_period_us")):
        try:
            quota = Path("/sys/fs/cgroup", quota_file).read_text().split()
            period = Path("/sys/fs/cgroup", period_file).read_text().split() if period_file else quota[1:]
            return quota[0] in ("max", "-1") or int(quota[0]) >= 2 * int(period[0])
        except (OSError, IndexError, ValueError):
            continue
    return True
