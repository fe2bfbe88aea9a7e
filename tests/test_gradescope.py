"""The built zip, unpacked as Gradescope does, graded through run_autograder."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from autograder.build import build_zip
from autograder.results import validate
from conftest import ROOT

REFERENCE_TEXT = (ROOT / "reference" / "hw6.py").read_text()


@pytest.fixture(scope="module")
def autograder_zip(tmp_path_factory) -> Path:
    return build_zip("hw6", tmp_path_factory.mktemp("dist"))


def run_autograder(zip_path: Path, root: Path, files: dict[str, str | bytes], python: str = sys.executable) -> dict:
    """Unpack the zip into root/source, put files in root/submission, run it; the parsed results.json."""
    (root / "source").mkdir(parents=True)
    (root / "submission").mkdir()
    with zipfile.ZipFile(zip_path) as zf:
        zf.extractall(root / "source")
    for info in zipfile.ZipFile(zip_path).infolist():
        os.chmod(root / "source" / info.filename, info.external_attr >> 16 & 0o777)
    for name, content in files.items():
        target = root / "submission" / name
        target.write_bytes(content.encode() if isinstance(content, str) else content)
    env = {**os.environ, "AUTOGRADER_ROOT": str(root), "AUTOGRADER_PYTHON": python}
    proc = subprocess.run([str(root / "source" / "run_autograder")], env=env, capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr
    document = json.loads((root / "results" / "results.json").read_text())
    validate(document)
    document["_log"] = proc.stdout + proc.stderr
    return document


def student_visible(document: dict) -> str:
    return document["output"] + "".join(t["name"] + t.get("output", "") for t in document["tests"])


def test_zip_has_the_gradescope_layout_and_nothing_secret_beyond_hw6(autograder_zip):
    names = zipfile.ZipFile(autograder_zip).namelist()
    assert {"setup.sh", "run_autograder", "ASSIGNMENT", "requirements.txt", "reference/hw6.py"} <= set(names)
    assert not [n for n in names if n.startswith("tests/") or "__pycache__" in n]
    assert [n for n in names if n.startswith("reference/")] == ["reference/hw6.py"]


def test_reference_through_run_autograder_scores_full_marks(autograder_zip, tmp_path):
    document = run_autograder(autograder_zip, tmp_path, {"hw6.py": REFERENCE_TEXT})
    assert document["score"] == sum(t["max_score"] for t in document["tests"]) == 48
    assert all(t["status"] == "passed" for t in document["tests"])
    assert {t["visibility"] for t in document["tests"]} == {"visible", "hidden", "after_published"}


def test_crash_at_import_still_gives_valid_results(autograder_zip, tmp_path):
    document = run_autograder(autograder_zip, tmp_path, {"hw6.py": "import os\nos._exit(3)\n"})
    assert document["score"] == 0
    assert all("exit status 3" in t["output"] for t in document["tests"])


def test_no_submission_is_explained(autograder_zip, tmp_path):
    document = run_autograder(autograder_zip, tmp_path, {"notes.txt": "hello"})
    assert document["score"] == 0
    assert "no hw6.py or hw6.ipynb was submitted (found: notes.txt)" in document["tests"][0]["output"]


@pytest.mark.skipif(os.geteuid() != 0, reason="the lock-down needs root")
def test_student_cannot_read_the_grader_or_plant_results(autograder_zip, tmp_path):
    root = tmp_path
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
    assert "PermissionError" in document["tests"][3]["output"]
    assert "def residual_param_grads" not in student_visible(document)
    assert "BEGIN SOLUTION" not in document["_log"]


def test_grader_that_cannot_start_still_leaves_valid_results(autograder_zip, tmp_path):
    document = run_autograder(autograder_zip, tmp_path, {"hw6.py": REFERENCE_TEXT}, python="/nonexistent/python")
    assert document["score"] == 0
    assert "could not start" in document["output"]
