"""The hostile corpus, run as Gradescope runs it: through run_autograder, as root where possible.

Each case under tests/hostile/hw6/ is a file appended to the reference (so
every name it does not attack is correct), or a folder submitted as it is.
Its header says which checks it affects and what the student must be told.
For every case: results.json is valid, untouched checks keep full marks,
affected checks score 0 with a helpful message, nothing secret reaches the
student, the grader's files are unchanged and no student process survives.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import time
import uuid
import zipfile
from pathlib import Path

import pytest

from conftest import ROOT, orphaned_student_files, orphaned_student_processes, run_autograder, student_visible

CORPUS = Path(__file__).resolve().parent / "hostile" / "hw6"
CASES = sorted(p.stem if p.is_file() else p.name for p in CORPUS.iterdir())
# The cases about containment and memory also run where the kernel gives no namespaces (Gradescope's
# containers): there, only the sandbox account and the lock-down of the root keep student code in, and no
# private /tmp bounds what it writes. Every run is inside a 768 MB memory group where root can make one
# (conftest.run_autograder), as in Gradescope's container.
ACCOUNT_CASES = ("read_reference", "read_checks", "read_precomputed", "sympy_imported_in_the_sandbox",
                 "read_environment", "read_metadata", "import_reference", "swap_work_folder", "fifo_for_output",
                 "setsid_escape", "child_left_running", "fork_bomb", "kill_parent", "write_results_json",
                 "symlink_to_reference", "allocate_50gb", "huge_tensor_returned", "replies_of_many_objects",
                 "replies_too_large_in_all", "structure_report_sizes_allocation", "print_100mb", "multi_gb_file",
                 "fill_disk")
RUNS = [(name, "namespaces") for name in CASES] + [(name, "account") for name in ACCOUNT_CASES]
REFERENCE = (ROOT / "reference" / "hw6.py").read_text()
SECRET = f"SECRET-{uuid.uuid4().hex}"  # in the grader's environment, as a TA's cloud token would be
# Limits are scaled down so that the corpus's hangs cost seconds, not minutes.
ENV = {"AUTOGRADER_TIME_SCALE": "0.3", "AUTOGRADER_TEST_SECRET": SECRET}


def header(text: str) -> dict[str, str]:
    return dict(re.findall(r"^# (\w+): ?(.*)$", text, flags=re.MULTILINE))


def load_case(name: str) -> tuple[dict[str, str], dict[str, str | bytes | Path]]:
    """The case's expectations and the files to submit."""
    path = CORPUS / name
    if path.is_dir():
        expect = header((path / "EXPECT").read_text())
        files = {p.name: (p if p.is_symlink() else p.read_bytes()) for p in path.iterdir() if p.name != "EXPECT"}
        for copy in re.findall(r"^# copy: (\S+) <- (reference|student_template)$", (path / "EXPECT").read_text(),
                               flags=re.MULTILINE):
            files[copy[0]] = (ROOT / copy[1] / "hw6.py").read_text()
        return expect, files
    text = (CORPUS / f"{name}.py").read_text()
    expect = header(text)
    return expect, {"hw6.py": text if expect.get("whole_file") == "yes" else REFERENCE + "\n\n" + text}


CANARY = f"CANARY-{uuid.uuid4().hex}"
SECRET_FILES = ("reference/hw6.py", "autograder/assignments/hw6.py")


def with_canary(archive: Path, target: Path, secret_files: tuple[str, ...]) -> Path:
    """A copy of ``archive`` at ``target`` with CANARY in each of ``secret_files``: it must never come out."""
    with zipfile.ZipFile(archive) as src, zipfile.ZipFile(target, "w") as dst:
        for info in src.infolist():
            data = src.read(info)
            dst.writestr(info, data + f"\n# {CANARY}\n".encode() if info.filename in secret_files else data)
    return target


@pytest.fixture(scope="module")
def canary_zip(autograder_zip, tmp_path_factory) -> Path:
    """The autograder zip with a unique marker in the reference and the checks."""
    return with_canary(autograder_zip, tmp_path_factory.mktemp("canary") / autograder_zip.name, SECRET_FILES)


def secrets(assignment: str) -> list[str]:
    """What a student must never see: the canary and the checks' own code."""
    checks = (ROOT / "autograder" / "assignments" / f"{assignment}.py").read_text().splitlines()
    return [CANARY] + [line.strip() for line in checks if line.strip().startswith("def ")]


def tree_digest(folder: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            digest.update(str(path.relative_to(folder)).encode() + path.read_bytes())
    return digest.hexdigest()


def tree_digest_of_zip(path: Path) -> str:
    """The digest tree_digest gives for the zip's files as unpacked, untouched."""
    digest = hashlib.sha256()
    with zipfile.ZipFile(path) as zf:
        for info in sorted(zf.infolist(), key=lambda i: i.filename):
            digest.update(info.filename.encode() + zf.read(info))
    return digest.hexdigest()


@pytest.mark.parametrize("name, mode", RUNS, ids=[f"{n}-{m}" for n, m in RUNS])
def test_hostile_submission(name, mode, canary_zip, gradescope_root):
    expect, files = load_case(name)
    if (expect.get("root_only") == "yes" or mode == "account") and os.geteuid() != 0:
        pytest.skip("needs the unprivileged account and its process, memory and file limits (run as root)")
    if "{ROOT}" in str(files.get("hw6.py", "")):
        files["hw6.py"] = files["hw6.py"].replace("{ROOT}", str(gradescope_root))
    started = time.perf_counter()
    env = {**ENV, "AUTOGRADER_NAMESPACES": "0" if mode == "account" else "1"}
    metadata = json.dumps({"previous_submissions": [{"results": {"tests": [{"output": CANARY}]}}]})
    document = run_autograder(canary_zip, gradescope_root, files, env=env, metadata=metadata)
    elapsed = time.perf_counter() - started

    tests = {t["number"]: t for t in document["tests"]}
    affected = set(tests) if expect["affected"] == "all" else set(expect["affected"].split()) - {"none"}
    assert affected <= set(tests), f"unknown check numbers in the header of {name}"
    for number, test in tests.items():
        if number in affected:
            assert test["score"] == 0, f"{number} should have lost its points: {test['output']}"
            # a failure that stops every check is told in full once, then pointed to
            told = re.fullmatch(r"not run, for the reason given in check ([\d.]+)", test["output"])
            said = tests[told.group(1)]["output"] if told else test["output"]
            assert any(part.strip() in said for part in expect["message"].split(" | ")), \
                f"{number}: {test['output']}"
            assert test["output"].strip(), f"{number} lost points without a word of explanation"
        else:
            assert test["score"] == test["max_score"], f"{number} should be untouched: {test['output']}"
    if "note" in expect:
        assert expect["note"] in document["output"]

    assert_contained(document, gradescope_root, canary_zip, "hw6", mode)
    assert not Path("/tmp/pwned_by_reduce").exists()
    assert elapsed < 120, f"{name} took {elapsed:.0f} s"


def assert_contained(document: dict, root: Path, archive: Path, assignment: str, mode: str) -> None:
    """Nothing secret reached the student or the log (the canary, the checks' own lines, the grader's
    environment), student code ran as it should, the grader's files are as the zip holds them, and nothing
    of the student's outlived the grading."""
    visible = student_visible(document)
    leaked = [line for line in secrets(assignment) if line in visible]
    assert not leaked, f"secret lines reached the student: {leaked[:3]}"
    assert CANARY not in document["_log"], "student code read the grader's files"
    assert SECRET not in json.dumps(document), "student code read the grader's environment"
    assert (f"student code runs {'in namespaces of its own and ' if mode == 'namespaces' else ''}as uid"
            in document["_log"]) or os.geteuid() != 0
    assert tree_digest(root / "source") == tree_digest_of_zip(archive)
    if os.geteuid() == 0:
        assert orphaned_student_processes() == [], "a student process outlived the grading"
        assert orphaned_student_files() == [], "student files outlived the grading"
