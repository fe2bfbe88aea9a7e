"""The seeds of the checks' random inputs: the practice seed, the course's secret one, and each submission's own.

Students check their work on the practice seed, whose expected values the
bundle records. Grading uses the course's secret seed (``.course-secret``,
drawn by the first ``build``, ``grade`` or ``batch`` and kept out of git;
the zip carries it as ``SEED``), from which each submission draws its own
inputs: feedback may show expected values, and they answer nothing for the
next submission. ``grade --seed`` with the same file reproduces a result.
"""
from __future__ import annotations

import hmac
import os
import secrets
from pathlib import Path

from .assignments import GRADER_ROOT

PRACTICE_SEED = 20_261_123
SECRET_FILE = Path(os.environ.get("AUTOGRADER_SECRET_FILE") or GRADER_ROOT / ".course-secret")


def course_seed() -> int:
    """The course's secret seed, drawn and kept the first time it is asked for (delete the file to rotate it)."""
    try:
        return int(SECRET_FILE.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        pass
    drawn = PRACTICE_SEED
    while drawn == PRACTICE_SEED:
        drawn = secrets.randbelow(2**31)
    written = SECRET_FILE.with_name(f"{SECRET_FILE.name}.{os.getpid()}")
    written.write_text(f"{drawn}\n")
    written.chmod(0o600)
    try:
        os.link(written, SECRET_FILE)  # atomic: two graders starting at once keep one secret
    except FileExistsError:
        pass
    finally:
        written.unlink()
    return int(SECRET_FILE.read_text().split()[0])


def inputs_seed(seed: int, submission: bytes) -> int:
    """The seed of one submission's inputs: a keyed hash of its bytes, which only the seed's holder can
    compute, so that no submission can know another's inputs."""
    digest = hmac.new(seed.to_bytes(8, "big", signed=False), submission, "sha256").digest()
    return int.from_bytes(digest[:4], "big") >> 1
