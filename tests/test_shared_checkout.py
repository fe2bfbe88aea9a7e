"""A checkout several TAs use from their own accounts: what one account wrote (the course secret, the cache of
expected values, both private to it) is never a crash for another."""
from __future__ import annotations

import os

import numpy as np
import pytest

from conftest import cli

NOBODY = 65534


def in_another_account(run) -> int:
    """The exit status of ``run()`` (0 for True) in a forked child that cannot read this account's private files:
    as root, the child is ``nobody``; otherwise the caller has taken its own permissions away."""
    pid = os.fork()
    if pid == 0:
        status = 1
        try:
            if os.geteuid() == 0:
                os.setgid(NOBODY)
                os.setuid(NOBODY)
            status = 0 if run() else 2
        finally:
            os._exit(status)
    return os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])


def test_a_cache_another_account_wrote_is_computed_around(tmp_path, monkeypatch):
    from autograder import fixtures
    from autograder.assignments import load

    load("hw6")  # the cache is kept per code of the checks
    monkeypatch.setenv("AUTOGRADER_CACHE", "1")
    monkeypatch.setattr(fixtures, "CACHE_DIR", tmp_path / "cache")
    monkeypatch.setitem(fixtures._precomputed, "autograder.assignments.hw6", None)

    def costly(x):
        __import__("time").sleep(2 * fixtures.CACHE_SECONDS)
        return {"curve": np.arange(3.0) * x}

    costly.__module__ = "autograder.assignments.hw6"
    fixtures._compute(costly, "k", "costly", (2,), {})
    [folder] = (tmp_path / "cache").iterdir()
    if os.geteuid() != 0:
        folder.chmod(0)
    try:
        status = in_another_account(lambda: fixtures._compute(costly, "k", "costly", (2,), {})["curve"].tolist()
                                    == [0.0, 2.0, 4.0])
    finally:
        folder.chmod(0o700)
    assert status == 0


def test_a_secret_another_account_keeps_is_refused_in_one_line(tmp_path, monkeypatch):
    from autograder import seeds

    secret = tmp_path / "secret"
    monkeypatch.setattr(seeds, "SECRET_FILE", secret)
    drawn = seeds.course_seed()
    assert secret.stat().st_mode & 0o777 == 0o600 and seeds.course_seed() == drawn != seeds.PRACTICE_SEED
    if os.geteuid() != 0:
        tmp_path.chmod(0)

    def refused() -> bool:  # never a new secret in its place: that would grade on other inputs, silently
        with pytest.raises(seeds.SecretUnavailable, match="cannot read the course secret .*pass --seed"):
            seeds.course_seed()
        return True

    try:
        assert in_another_account(refused) == 0
    finally:
        tmp_path.chmod(0o700)
    assert seeds.course_seed() == drawn


def test_a_secret_that_cannot_be_written_or_holds_no_seed_is_explained(tmp_path, monkeypatch):
    from autograder import seeds

    monkeypatch.setattr(seeds, "SECRET_FILE", tmp_path / "no-such-folder" / "secret")
    with pytest.raises(seeds.SecretUnavailable, match="cannot write one there .*AUTOGRADER_SECRET_FILE"):
        seeds.course_seed()
    monkeypatch.setattr(seeds, "SECRET_FILE", tmp_path / "secret")
    (tmp_path / "secret").write_text("not a number\n")
    with pytest.raises(seeds.SecretUnavailable, match="holds no seed"):
        seeds.course_seed()


def test_grade_says_why_it_cannot_use_the_course_secret_without_a_traceback(tmp_path, monkeypatch):
    monkeypatch.setenv("AUTOGRADER_SECRET_FILE", str(tmp_path))  # a folder: exists, and cannot be read as a file
    refused = cli("grade", "hw6", "reference/hw6.py")
    assert refused.returncode == 2 and "Traceback" not in refused.stderr
    assert refused.stderr.startswith("python -m autograder grade: cannot read the course secret")
