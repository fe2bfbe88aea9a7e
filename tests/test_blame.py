"""A mistake in one name costs only the checks of that name.

For every known mistake (each mutation and buggy file under tests/submissions)
the names it changes are found by comparing its syntax tree with the
reference's; a check that loses points must be about one of those names
(its title or tags name it), unless DEPENDS says why it genuinely depends on
another. Names a buggy file leaves out are not attempted, and their checks
are not counted here. The matrix is printed.
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

from autograder.assignments import ASSIGNMENTS, load
from autograder.batch.report import NOT_ATTEMPTED
from autograder.mutations import SUBMISSIONS
from conftest import ROOT

# (assignment, changed name, check number) -> why that check rightly depends on the name
DEPENDS = {
    ("nyu_hw1", "forward", "2.1"): "backward takes z1, z2, z3 and y_hat from the student's forward pass",
    ("nyu_hw1", "forward", "2.2"): "backward takes z1, z2, z3 and y_hat from the student's forward pass",
    ("hw6", "solve_lsqr", "6.8"): "double_descent fits each p with the student's own solve_lsqr",
    ("hw6", "solve_lsqr", "6.9"): "double_descent fits each p with the student's own solve_lsqr",
}


def changed_names(assignment: str, path: Path) -> set[str]:
    """The top-level names whose definition differs from the reference's (or that only the file defines);
    a changed private helper counts as a change of the public functions that use it."""
    def definitions(source: str) -> dict[str, str]:
        found = {}
        for node in ast.parse(source).body:
            if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
                found[node.name] = ast.dump(node)
            elif isinstance(node, ast.Assign):
                for target in node.targets:
                    if isinstance(target, ast.Name):
                        found[target.id] = ast.dump(node.value)
        return found

    reference = definitions((ROOT / "reference" / f"{assignment}.py").read_text())
    source = path.read_text()
    mine = definitions(source)
    changed = {name for name, text in mine.items() if reference.get(name) != text}
    for node in ast.parse(source).body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)) and not node.name.startswith("_") and any(
                isinstance(n, ast.Name) and n.id in changed and n.id.startswith("_") for n in ast.walk(node)):
            changed.add(node.name)
    return {name for name in changed if not name.startswith("_")}


def mistakes(assignment: str) -> list[str]:
    folder = SUBMISSIONS / assignment
    return sorted({p.stem for p in folder.glob("*") if p.suffix in (".py", ".mutation")}) if folder.exists() else []


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_every_assignment_has_known_mistakes_to_blame(assignment):
    assert load(assignment).checks and mistakes(assignment), f"tests/submissions/{assignment}/ holds no mistake"


# one test per mistake, so that pytest-xdist spreads an assignment's over both cores
@pytest.mark.parametrize("assignment, name", [(a, m) for a in ASSIGNMENTS for m in mistakes(a)])
def test_a_mistake_costs_only_the_checks_of_its_name(grade_submission, submission_file, assignment, name):
    path = submission_file(assignment, name)
    changed = changed_names(assignment, path)
    lost = [r for r in grade_submission(assignment, path)["graded"].results
            if not r.passed and r.outcome.diagnosis not in NOT_ATTEMPTED]
    matrix, unexplained = [], []
    for result in lost:
        own = any(result.check.concerns(n) for n in changed)
        reason = next((DEPENDS[assignment, n, result.check.number] for n in changed
                       if (assignment, n, result.check.number) in DEPENDS), None)
        matrix.append(f"  {'/'.join(sorted(changed)):24} {result.check.number:5} "
                      f"{'own' if own else reason or 'UNEXPLAINED'}")
        if not own and reason is None:
            unexplained.append((sorted(changed), result.check.name))
    print(f"\n{assignment} {name}: changed names, check losing points, why\n" + "\n".join(matrix))
    assert not unexplained, unexplained
