"""The machine's other work while a benchmark measures: CPU time of processes that are not the benchmark's.

The load average cannot tell the benchmark's own grading from a browser's; this counts the machine's busy
CPU time (``/proc/stat``) less what the benchmark's own children used (``getrusage``), over the time measured.
"""
from __future__ import annotations

import os
import resource
import time


def _busy_seconds() -> float:
    """CPU time the whole machine has spent busy since it started (Linux; 0 elsewhere)."""
    try:
        with open("/proc/stat") as fh:
            fields = [int(x) for x in fh.readline().split()[1:]]
    except OSError:
        return 0.0
    user, nice, system, _idle, _iowait, irq, softirq, steal = (fields + [0] * 8)[:8]
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def _ours() -> float:
    spent = [resource.getrusage(who) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)]
    return sum(r.ru_utime + r.ru_stime for r in spent)


class OtherLoad:
    """``with OtherLoad() as load:`` ... then ``load.cores``: how many cores other processes kept busy."""

    cores = 0.0

    def __enter__(self) -> "OtherLoad":
        self._start = (time.perf_counter(), _busy_seconds(), _ours())
        return self

    def __exit__(self, *exc: object) -> None:
        wall, busy, ours = self._start
        elapsed = time.perf_counter() - wall
        self.cores = max(0.0, (_busy_seconds() - busy) - (_ours() - ours)) / elapsed if elapsed > 0 else 0.0
