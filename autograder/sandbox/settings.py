"""What every worker runs with, on every platform: its resource limits."""
from __future__ import annotations

import os
from dataclasses import dataclass, field


def _memory_budget() -> int:
    return int(os.environ.get("AUTOGRADER_MEMORY_MB", "2048")) * 2**20


@dataclass(frozen=True)
class Limits:
    """Resource limits of one worker.

    ``memory_bytes`` is address space on top of what the interpreter maps
    once torch is imported, so the figure means the same on every machine;
    ``AUTOGRADER_MEMORY_MB`` sets it (run_autograder keeps it below
    Gradescope's container limit, so an allocation fails inside the worker
    instead of the kernel killing the grader).
    """

    memory_bytes: int = field(default_factory=_memory_budget)
    cpu_seconds: int = 300
    file_bytes: int = 64 * 2**20
    processes: int = 256
    open_files: int = 256


def set_limit(which: int, value: int) -> None:
    """Set a resource limit, soft and hard, to ``value`` or the hard limit already there (POSIX only)."""
    import resource  # not on Windows, where only the portable server runs and sets no limit

    soft, hard = resource.getrlimit(which)
    if hard != resource.RLIM_INFINITY:
        value = min(value, hard)
    resource.setrlimit(which, (value, value))
