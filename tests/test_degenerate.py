"""Submissions that solve nothing earn nothing: no check pays for a shape, a count or a type alone.

Each submission of the family is the reference with every name the student
must write replaced by something degenerate: functions return zeros, ones,
NaN or one half in the shape of the right answer, or their first argument;
modules are the identity or hold a single parameter of the right size; every
answer is 0 or 1 in its own type (a formula "0" or "1", a bool False or
True; NaN and one half read as 0 for answers). Only the checks listed in
COINCIDE may score, each because the right answer happens to be that value.
"""
from __future__ import annotations

import ast

import pytest

from autograder.assignments import ASSIGNMENTS, load
from conftest import ROOT

KINDS = ("zeros", "ones", "nan", "half", "input", "identity", "one_parameter")
# (assignment, check) -> the kinds whose answer is right there, and why that is no loophole
COINCIDE = {
    ("hw6", "1.1"): ({"ones", "half", "input", "identity", "one_parameter"}, "DROPOUT_COMMUTES['ReLU'] is True"),
    ("hw6", "1.3"): ({"ones", "half", "input", "identity", "one_parameter"}, "DROPOUT_COMMUTES['LeakyReLU'] is True"),
    ("hw6", "1.2"): ({"zeros", "nan"}, "DROPOUT_COMMUTES['Sigmoid'] is False"),
    ("hw6", "2.1"): ({"zeros", "nan", "half"}, "OUTPUT_MEAN is 0"),
    ("hw3", "6.1"): ({"zeros", "nan", "half"}, "CE_LIMIT is 0"),
    ("midterm", "2.1"): ({"ones", "half", "input", "identity", "one_parameter"}, "MAXPOOL_RELU_EQUIVALENT is True"),
    ("midterm", "2.4"): ({"zeros", "nan"}, "NIN_SHIFT_EXACT is False"),
    ("midterm", "1.2"): ({"zeros"}, "signSGD's (beta1, beta2, eps) is (0, 0, 0)"),
}

HELPERS = '''

# ---- degenerate overrides (tests/test_degenerate.py)
import copy as _copy
import math as _math

import numpy as _np
import torch as _torch


def _like(value, kind):
    """A value shaped like ``value`` holding nothing but the degenerate constant."""
    fill = {"zeros": 0.0, "ones": 1.0, "nan": _math.nan, "half": 0.5}.get(kind, 0.0)
    if isinstance(value, _torch.Tensor):
        return _torch.full_like(value, fill) if value.is_floating_point() else _torch.zeros_like(value)
    if isinstance(value, _np.ndarray):
        return _np.full_like(value, fill) if value.dtype.kind == "f" else _np.zeros_like(value)
    if isinstance(value, bool):
        return fill >= 0.5
    if isinstance(value, (int, float)):
        return type(value)(fill) if not (isinstance(value, int) and fill != fill) else 0
    if isinstance(value, str):
        return "1" if fill == 1.0 else "0"
    if isinstance(value, dict):
        return {k: _like(v, kind) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return type(value)(_like(v, kind) for v in value)
    return value


def _degenerate_function(real, kind):
    def function(*args, **kwargs):
        if kind == "input":
            return args[0] if args else None
        # the real function runs on copies, only to learn the answer's shape: in place, nothing happens
        return _like(real(*_copy.deepcopy(args), **_copy.deepcopy(kwargs)), kind)
    return function


def _degenerate_module(real, kind):
    class Module(_torch.nn.Module):
        def __init__(self, *args, **kwargs):  # whatever the real constructor takes (TwoLayerNet(d, h, c))
            super().__init__()
            if kind == "one_parameter":
                size = sum(p.numel() for p in real(*args, **kwargs).parameters())
                self.weight = _torch.nn.Parameter(_torch.zeros(size))

        def forward(self, x, *args, **kwargs):
            if kind == "one_parameter":
                s = self.weight.sum()
                return x + (s - s.detach())  # gradient reaches the parameter; the value is the input's
            return x

    Module.__name__ = Module.__qualname__ = real.__name__
    return Module
'''


def solution_names(assignment: str) -> tuple[list[str], list[str], list[str]]:
    """The functions, classes and answers a student must write: what the template leaves open."""
    tree = ast.parse((ROOT / "student_template" / f"{assignment}.py").read_text())

    def open_(node: ast.AST) -> bool:
        return any(isinstance(n, ast.Raise) and "NotImplementedError" in ast.unparse(n) for n in ast.walk(node))

    functions = [n.name for n in tree.body if isinstance(n, ast.FunctionDef) and open_(n)]
    classes = [n.name for n in tree.body if isinstance(n, ast.ClassDef) and open_(n)]
    answers = [t.id for n in tree.body if isinstance(n, ast.Assign) and isinstance(n.value, ast.Constant)
               and n.value.value is None for t in n.targets if isinstance(t, ast.Name)]
    return functions, classes, answers


def degenerate_source(assignment: str, kind: str) -> str:
    functions, classes, answers = solution_names(assignment)
    value_kind = kind if kind in ("zeros", "ones", "nan", "half") else "ones"
    lines = [f"{name} = _degenerate_function({name}, {value_kind if kind != 'input' else 'input'!r})"
             for name in functions]
    module_kind = kind if kind in ("identity", "one_parameter") else "identity"
    lines += [f"{name} = _degenerate_module({name}, {module_kind!r})" for name in classes]
    lines += [f"{name} = _like({name}, {value_kind if value_kind != 'nan' else 'zeros'!r})" for name in answers]
    return (ROOT / "reference" / f"{assignment}.py").read_text() + HELPERS + "\n".join(lines) + "\n"


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_a_submission_that_solves_nothing_scores_nothing(grade_submission, assignment, tmp_path):
    earned: dict[str, list[str]] = {}
    for kind in KINDS:
        path = tmp_path / kind / f"{assignment}.py"
        path.parent.mkdir()
        path.write_text(degenerate_source(assignment, kind))
        results = grade_submission(assignment, path)["graded"].results
        stopped = [r.outcome.message for r in results if r.outcome.diagnosis in ("import_failed", "no_submission")]
        assert not stopped, (kind, stopped[:1])  # a file that never imported would test nothing
        for result in results:
            if result.score > 0:
                earned.setdefault(result.check.number, []).append(kind)
    checks = {c.number: c for c in load(assignment).checks}
    print(f"\n{assignment}: checks a degenerate submission scores on")
    for number, kinds in sorted(earned.items()):
        print(f"  {checks[number].name}: {', '.join(kinds)}")
    unexplained = {number: kinds for number, kinds in earned.items()
                   if not set(kinds) <= COINCIDE.get((assignment, number), (set(), ""))[0]}
    assert not unexplained, unexplained
