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


class SecretUnavailable(RuntimeError):
    """The course's secret seed cannot be read or drawn by this account: said in one line, with what to do."""


def course_seed() -> int:
    """The course's secret seed, drawn and kept the first time it is asked for (delete the file to rotate it).

    A secret that exists but cannot be read (a checkout shared with another account) is never replaced by a
    new one: that would grade on other inputs than the course's without a word."""
    try:
        return _read_secret()
    except FileNotFoundError:
        pass
    except OSError as refused:
        raise SecretUnavailable(f"cannot read the course secret {SECRET_FILE} ({refused.strerror}): grade as the "
                                "account that owns it, point AUTOGRADER_SECRET_FILE at a copy, or pass --seed "
                                "(results then differ from the course's)") from None
    drawn = PRACTICE_SEED
    while drawn == PRACTICE_SEED:
        drawn = secrets.randbelow(2**31)
    written = SECRET_FILE.with_name(f"{SECRET_FILE.name}.{os.getpid()}")
    try:
        written.write_text(f"{drawn}\n")
        written.chmod(0o600)
        os.link(written, SECRET_FILE)  # atomic: two graders starting at once keep one secret
    except FileExistsError:
        pass
    except OSError as refused:
        raise SecretUnavailable(f"no course secret at {SECRET_FILE}, and this account cannot write one there "
                                f"({refused.strerror}): set AUTOGRADER_SECRET_FILE to a file it may create, "
                                "or pass --seed") from None
    finally:
        written.unlink(missing_ok=True)
    return _read_secret()


def _read_secret() -> int:
    text = SECRET_FILE.read_text()
    try:
        return int(text.split()[0])
    except (ValueError, IndexError):
        raise SecretUnavailable(f"the course secret {SECRET_FILE} holds no seed (it should hold one whole number)"
                                "; delete it to draw a new one (results then differ from earlier ones)") from None


def inputs_seed(seed: int, submission: bytes) -> int:
    """The seed of one submission's inputs: a keyed hash of its bytes, which only the seed's holder can
    compute, so that no submission can know another's inputs."""
    digest = hmac.new(seed.to_bytes(8, "big", signed=False), submission, "sha256").digest()
    return int.from_bytes(digest[:4], "big") >> 1
