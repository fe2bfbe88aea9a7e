"""A new assignment from `new`, as a TA starts one: the worked example grades, builds and bundles at once."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from conftest import ROOT, clean_python

pytestmark = pytest.mark.xdist_group("scaffold")


def _run(cwd: Path, *args: str, python: str = sys.executable) -> str:
    done = subprocess.run([python, "-m", "autograder", *args], cwd=cwd, capture_output=True, text=True, timeout=600,
                          env={**os.environ, "COLUMNS": "200"})
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def test_new_writes_a_worked_example_that_grades_builds_and_bundles(tmp_path):
    checkout = tmp_path / "course"
    for part in ("autograder", "reference", "student_template", "tests/submissions"):
        shutil.copytree(ROOT / part, checkout / part, ignore=shutil.ignore_patterns("__pycache__"))
    for part in ("requirements.txt", "pyproject.toml", "setup.sh", "run_autograder"):
        shutil.copy2(ROOT / part, checkout / part)
    said = _run(checkout, "new", "hw7")
    assert "docs/authoring.md" in said
    assert re.search(r"^Total: 8/8\b", _run(checkout, "grade", "hw7", "reference/hw7.py"), re.M)
    assert re.search(r"^Total: 0/8\b", _run(checkout, "grade", "hw7", "student_template/hw7.py"), re.M)
    from autograder.mutations import apply_mutation

    mistake = checkout / "mistake" / "hw7.py"
    mistake.parent.mkdir()
    mistake.write_text(apply_mutation((checkout / "reference/hw7.py").read_text(),
                                      (checkout / "tests/submissions/hw7/softmax_overflows.mutation").read_text()))
    assert "likely cause: exp overflows" in _run(checkout, "grade", "hw7", str(mistake))
    assert "hw7" in _run(checkout, "list")
    _run(checkout, "build", "hw7", "-o", "dist")
    _run(checkout, "bundle", "hw7", "-o", "dist")
    with zipfile.ZipFile(checkout / "dist" / "hw7-student.zip") as zf:
        zf.extractall(tmp_path / "student")
    shutil.copy2(checkout / "reference/hw7.py", tmp_path / "student" / "work.py")
    out = _run(tmp_path / "student", "check", "hw7", "work.py", python=clean_python())
    assert re.search(r"^Total: 6/6\b", out, re.M) and "1 more check worth 2 of 8 points" in out
    # the generic tests take the new assignment without a table entry: the stubs that solve nothing import
    # and score 0 (its model takes constructor arguments), and its mistake costs only the checks it names
    shutil.copytree(ROOT / "tests", checkout / "tests", dirs_exist_ok=True,
                    ignore=shutil.ignore_patterns("__pycache__", "submissions", "hostile", "correct"))
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:xdist", "-p", "no:cacheprovider",
                           "-o", "addopts=", "tests/test_degenerate.py", "tests/test_blame.py", "-k", "hw7"],
                          cwd=checkout, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0 and " passed" in done.stdout, done.stdout[-3000:] + done.stderr[-2000:]
