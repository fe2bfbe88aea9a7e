"""Which environment variables each process of the grader runs with.

Imported before anything heavy (``__main__`` decides here whether to start
afresh), so it imports nothing but the standard library.
"""
from __future__ import annotations

import os
import re
import socket
import sys
from typing import Mapping

ONE_THREAD = {"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}
WORKER_ENVIRONMENT = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", **ONE_THREAD}

# What the grader's own process keeps of the environment it was started with (__main__.py starts it afresh
# with these only, so that a fork server forked from it holds nothing else): where things are, how to print,
# thread counts and the numerical libraries' settings, and the grader's own settings by name. Never a
# pattern: a TA's token named AUTOGRADER_SOMETHING stays out too.
STARTED_AFRESH = "AUTOGRADER_STARTED_AFRESH"  # set by the fresh start, so that it happens once at most
GRADER_VARIABLES = frozenset({
    "PATH", "HOME", "LANG", "LC_ALL", "LC_CTYPE", "TZ", "TMPDIR", "TERM", "COLUMNS", "LINES", "NO_COLOR",
    "LD_LIBRARY_PATH", "PYTHONPATH", "PYTHONIOENCODING", "PYTHONDONTWRITEBYTECODE", "VIRTUAL_ENV",
    "OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", *ONE_THREAD, STARTED_AFRESH, "AUTOGRADER_TIME_SCALE",
    "AUTOGRADER_MEMORY_MB", "AUTOGRADER_NAMESPACES", "AUTOGRADER_PRECOMPUTED", "AUTOGRADER_PORTABLE",
    "AUTOGRADER_DEADLINE", "AUTOGRADER_UNCONFINED", "AUTOGRADER_CACHE", "AUTOGRADER_SECRET_FILE",
    "AUTOGRADER_SECOND_WORKER"})


def grader_environment(environ: Mapping[str, str]) -> dict[str, str]:
    """The part of ``environ`` the grader keeps, marked as started afresh."""
    return {**{k: v for k, v in environ.items() if k in GRADER_VARIABLES}, STARTED_AFRESH: "1"}


def should_start_afresh() -> bool:
    """Whether this command line should re-execute itself with ``grader_environment``: on Linux (where the
    fork server is forked from it), unless it started clean or already did so once (a process whose
    /proc/self/environ cannot be read must not loop; it then gets a fresh-interpreter fork server)."""
    return linux_sandbox_available() and not started_clean() and STARTED_AFRESH not in os.environ


def started_clean() -> bool:
    """Whether this process holds no other variable: neither now nor in the block it was started with, which
    stays in its memory whatever is unset later (Linux shows it as /proc/self/environ)."""
    try:
        with open("/proc/self/environ", "rb") as fh:
            initial = {entry.partition(b"=")[0].decode(errors="replace") for entry in fh.read().split(b"\0") if entry}
    except OSError:
        return False
    return initial | set(os.environ) <= GRADER_VARIABLES


def linux_sandbox_available() -> bool:
    """Whether the fork server can run here (Linux, WSL included); ``AUTOGRADER_PORTABLE=1`` says no, for tests."""
    return (sys.platform.startswith("linux") and hasattr(socket, "SOCK_SEQPACKET")
            and os.environ.get("AUTOGRADER_PORTABLE", "0") != "1")


# The oldest and newest torch under which every visible check of every assignment gives the reference full
# marks and each known mistake its verdict, run from the student bundle (tests/test_bundle.py at the first,
# where the suite runs; the second by hand, as README's "Torch versions" says).
TESTED_TORCH = ("2.13.0", "2.14.1")


def untested_torch(version: str) -> str | None:
    """A note for a student whose torch is outside TESTED_TORCH, or None."""
    def release(text: str) -> tuple[int, ...]:
        return tuple(int(part) for part in re.findall(r"\d+", text.split("+")[0])[:3])

    if release(TESTED_TORCH[0]) <= release(version) <= release(TESTED_TORCH[1]):
        return None
    return (f"torch {version} is outside the versions these checks were tested with ({TESTED_TORCH[0]} to "
            f"{TESTED_TORCH[1]}): they should still agree with Gradescope's, but if a verdict surprises you, "
            "Gradescope's is the one that counts")
