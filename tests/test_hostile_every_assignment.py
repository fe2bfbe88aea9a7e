"""Every assignment's harness against the same attacks, through run_autograder, as Gradescope runs it.

tests/hostile/hw6/ probes hw6 in depth; each case of tests/hostile/every_assignment/ is appended to the
reference of *every* assignment (``{ASSIGNMENT}`` and ``{ROOT}`` filled in), with the template as a case of
its own; the cases that affect no check show that the reference earns full marks through the zip.
``affected: called`` means the checks about a function or class of the reference (their titles and tags
name it, as spec.Check.concerns reads them): no table to keep. ``message: *`` takes any explanation, as
long as there is one. What must hold of every run besides is test_hostile's ``assert_contained``.
"""
from __future__ import annotations

import ast
import functools
import json
import os
import re
import time
from pathlib import Path

import pytest

from autograder.assignments import ASSIGNMENTS, load
from conftest import ROOT, run_autograder
from test_hostile import CANARY, ENV, assert_contained, header, with_canary

CORPUS = Path(__file__).resolve().parent / "hostile" / "every_assignment"
CASES = ["template"] + sorted(p.stem for p in CORPUS.glob("*.py"))
# the case about reaching the grader also runs without namespaces, where only the account keeps students out
ACCOUNT_CASES = ("intrudes_at_import",)
# hw6's own corpus has it already (read_*, child_left_running, write_results_json); a hang at import is
# tested there only (loop_at_import): the import comes before anything of an assignment's own
IN_HW6_CORPUS = ("intrudes_at_import",)
RUNS = [(a, c, m) for m, cases in (("namespaces", CASES), ("account", ACCOUNT_CASES)) for a in ASSIGNMENTS
        for c in cases if not (a == "hw6" and c in IN_HW6_CORPUS)]


@functools.cache
def canary_zip(assignment: str, folder: Path) -> Path:
    """The assignment's zip with CANARY in its reference and checks."""
    from autograder.build import build_zip

    built = build_zip(assignment, folder / "built")
    return with_canary(built, folder / built.name,
                       (f"reference/{assignment}.py", f"autograder/assignments/{assignment}.py"))


@pytest.fixture(scope="module")
def zips(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("zips")


def called(assignment: str) -> set[str]:
    """The checks about a function or class the reference defines, and not about one of its values (a count
    tagged with the class it counts reads the count)."""
    tree = ast.parse((ROOT / "reference" / f"{assignment}.py").read_text())
    code = [n.name for n in tree.body if isinstance(n, (ast.FunctionDef, ast.ClassDef)) and not n.name.startswith("_")]
    values = [t.id for n in tree.body if isinstance(n, (ast.Assign, ast.AnnAssign))
              for t in (n.targets if isinstance(n, ast.Assign) else [n.target]) if isinstance(t, ast.Name)]
    return {c.number for c in load(assignment).checks
            if any(c.concerns(n) for n in code) and not any(c.concerns(n) for n in values)}


def submission(assignment: str, case: str, root: Path) -> tuple[dict[str, str], str]:
    """The file to submit and the case's header."""
    reference = (ROOT / "reference" / f"{assignment}.py").read_text()
    if case == "template":
        return (ROOT / "student_template" / f"{assignment}.py").read_text(), {
            "affected": "all", "message": "not implemented | NotImplementedError | still None"}
    attack = (CORPUS / f"{case}.py").read_text()
    attack = attack.replace("{ROOT}", str(root)).replace("{ASSIGNMENT}", assignment)
    return reference + "\n\n" + attack, header(attack)


@pytest.mark.parametrize("assignment, case, mode", RUNS, ids=[f"{a}-{c}-{m}" for a, c, m in RUNS])
def test_every_assignment_holds_against_the_attack(assignment, case, mode, zips, gradescope_root):
    if mode == "account" and os.geteuid() != 0:
        pytest.skip("needs the unprivileged account and its process, memory and file limits (run as root)")
    archive = canary_zip(assignment, zips)
    text, expect = submission(assignment, case, gradescope_root)
    started = time.perf_counter()
    env = {**ENV, "AUTOGRADER_NAMESPACES": "0" if mode == "account" else "1"}
    metadata = json.dumps({"previous_submissions": [{"results": {"tests": [{"output": CANARY}]}}]})
    document = run_autograder(archive, gradescope_root, {f"{assignment}.py": text}, env=env, metadata=metadata)
    elapsed = time.perf_counter() - started

    tests = {t["number"]: t for t in document["tests"]}
    affected = {"all": set(tests), "none": set(), "called": called(assignment)}[expect["affected"]]
    assert affected or expect["affected"] == "none", f"{case} affects no check of {assignment}"
    for number, test in tests.items():
        if number in affected:
            assert test["score"] == 0, f"{number} should have lost its points: {test['output']}"
            told = re.fullmatch(r"not run, for the reason given in check ([\d.]+)", test["output"])
            said = tests[told.group(1)]["output"] if told else test["output"]
            assert said.strip(), f"{number} lost its points without a word of explanation"
            assert expect["message"] == "*" or any(part.strip() in said for part in expect["message"].split(" | ")), \
                f"{number}: {said}"
        else:
            assert test["score"] == test["max_score"], f"{number} should be untouched: {test['output']}"

    assert_contained(document, gradescope_root, archive, assignment, mode)
    assert elapsed < 120, f"{case} took {elapsed:.0f} s"
