"""The built zip, unpacked as Gradescope does, graded through run_autograder."""
from __future__ import annotations

import json
import os
import time
import zipfile

import pytest

from autograder.assignments import ASSIGNMENTS
from autograder.build import build_zip
from autograder.results import validate
from conftest import ROOT, killed_graders_folder, run_autograder, student_visible

REFERENCE_TEXT = (ROOT / "reference" / "hw6.py").read_text()


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_zip_has_the_gradescope_layout_and_only_its_own_reference(assignment, tmp_path):
    archive = zipfile.ZipFile(build_zip(assignment, tmp_path))
    names = archive.namelist()
    assert {"setup.sh", "run_autograder", "ASSIGNMENT", "requirements.txt", f"reference/{assignment}.py"} <= set(names)
    assert not [n for n in names if n.startswith("tests/") or "__pycache__" in n]
    assert [n for n in names if n.startswith("reference/")] == [f"reference/{assignment}.py"]
    assert archive.read("ASSIGNMENT").decode().strip() == assignment


def test_reference_through_run_autograder_scores_full_marks(autograder_zip, gradescope_root):
    from autograder.seeds import PRACTICE_SEED

    document = run_autograder(autograder_zip, gradescope_root, {"hw6.py": REFERENCE_TEXT})
    assert document["score"] == sum(t["max_score"] for t in document["tests"]) == 48
    assert all(t["status"] == "passed" for t in document["tests"])
    # graded on the zip's secret seed, which the student bundle (recorded on the practice seed) never saw
    seed = int(zipfile.ZipFile(autograder_zip).read("SEED"))
    assert document["extra_data"]["seed"] == seed != PRACTICE_SEED
    assert {t["visibility"] for t in document["tests"]} == {"visible", "after_due_date", "after_published"}
    assert "Visible checks: 37/37; 11 more points appear" in document["output"]
    assert "Total: 48/48" in document["_log"] and "passed  0." in document["_log"]  # the table and times, for staff
    assert not [t for t in document["tests"] if t["name"].startswith(t["number"])]


def test_crash_at_import_still_gives_valid_results(autograder_zip, gradescope_root):
    document = run_autograder(autograder_zip, gradescope_root, {"hw6.py": "import os\nos._exit(3)\n"})
    assert document["score"] == 0
    first, *rest = document["tests"]
    assert "exit status 3" in first["output"]  # said once in full, then pointed to
    assert all(t["output"] == f"not run, for the reason given in check {first['number']}" for t in rest)


def test_no_submission_is_explained(autograder_zip, gradescope_root):
    document = run_autograder(autograder_zip, gradescope_root, {"notes.txt": "hello"})
    assert document["score"] == 0
    assert "no hw6.py or hw6.ipynb was submitted (found: notes.txt)" in document["tests"][0]["output"]


@pytest.mark.skipif(os.geteuid() != 0, reason="the lock-down needs root")
def test_student_cannot_read_the_grader_or_plant_results(autograder_zip, gradescope_root):
    root = gradescope_root
    spy = f"""
import glob, os
ROOT = {str(root)!r}
def _read(path):
    try:
        return open(path).read()
    except OSError as exc:
        return type(exc).__name__
OUTPUT_MEAN = _read(ROOT + "/source/reference/hw6.py") + _read(ROOT + "/submission/hw6.py")
try:
    open(ROOT + "/results/results.json", "w").write('{{"score": 1000, "tests": []}}')
except OSError:
    pass
"""
    document = run_autograder(autograder_zip, root, {"hw6.py": spy})
    assert document["score"] == 0
    assert "PermissionErrorPermissionError" in document["tests"][3]["output"] or \
        "FileNotFoundErrorFileNotFoundError" in document["tests"][3]["output"]
    assert "def residual_param_grads" not in student_visible(document)
    assert "BEGIN SOLUTION" not in document["_log"]


def test_grader_that_cannot_start_still_leaves_valid_results(autograder_zip, gradescope_root):
    document = run_autograder(autograder_zip, gradescope_root, {"hw6.py": REFERENCE_TEXT}, python="/nonexistent/python")
    assert document["score"] == 0
    assert "could not start" in document["output"]


GRADER_STUCK_IN_C = '''
import ctypes, os, sys
from pathlib import Path
from autograder import gradescope

real = gradescope.grade

def stuck(*args, on_result, **kwargs):
    """The first checks are graded; then the grader hangs in a C call that never releases the GIL."""
    def then_hang(result):
        on_result(result)
        if result.check.number == "2.1":
            ctypes.PyDLL(None).sleep(300)
    return real(*args, on_result=then_hang, **kwargs)

gradescope.grade = stuck
gradescope.run("hw6", Path(sys.argv[1]))
'''


def test_the_deadline_holds_while_the_grader_is_stuck_holding_the_interpreter(tmp_path):
    """A thread cannot run then; the watchdog is a process, and leaves the checks graded so far."""
    import subprocess
    import sys

    (tmp_path / "submission").mkdir()
    (tmp_path / "source").mkdir()
    (tmp_path / "submission" / "hw6.py").write_text(REFERENCE_TEXT)
    started = time.monotonic()
    with killed_graders_folder() as temporary:
        proc = subprocess.run([sys.executable, "-c", GRADER_STUCK_IN_C, str(tmp_path)], cwd=ROOT, capture_output=True,
                              text=True, timeout=240, env={**os.environ, "AUTOGRADER_DEADLINE": "15",
                                                           "TMPDIR": str(temporary)})
    assert proc.returncode == -9, proc.stderr  # the watchdog ended the grader
    assert time.monotonic() - started < 200
    document = json.loads((tmp_path / "results" / "results.json").read_text())
    validate(document)
    tests = {t["number"]: t for t in document["tests"]}
    assert tests["1.1"]["score"] == 1 and tests["2.1"]["score"] == 2  # graded before the hang: kept
    assert tests["2.2"]["output"].startswith("not run: grading stopped after 15 s")
    assert not (tmp_path / "results" / ".partial.json").exists()
