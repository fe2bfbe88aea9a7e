"""``python -m autograder new NAME``: a new assignment's files, registered, with a worked example to replace.

The example is small but complete: a NumPy function compared with named
mistakes, a model whose constructor takes arguments run with the grader's
weights, an exact count and a formula. docs/authoring.md walks through it.
"""
from __future__ import annotations

import re
from pathlib import Path

from .assignments import ASSIGNMENTS, GRADER_ROOT
from .template import TEMPLATE_DIR, strip_solutions

REFERENCE = '''"""{name}: replace this worked example with your assignment's handout.

Check your work before submitting with ``python -m autograder check {name}``.
"""
import numpy as np
import torch
from torch import nn


def softmax(z):
    """The softmax of a 1-D NumPy array ``z``, computed without overflow for large entries."""
    # BEGIN SOLUTION
    e = np.exp(z - np.max(z))
    return e / e.sum()
    # END SOLUTION


class TwoLayerNet(nn.Module):
    """Linear(d, h) -> ReLU -> Linear(h, c), with layers named ``fc1`` and ``fc2``."""

    def __init__(self, d, h, c):
        super().__init__()
        # BEGIN SOLUTION
        self.fc1 = nn.Linear(d, h)
        self.fc2 = nn.Linear(h, c)
        # END SOLUTION

    def forward(self, x):
        # BEGIN SOLUTION
        return self.fc2(torch.relu(self.fc1(x)))
        # END SOLUTION


# The number of parameters of TwoLayerNet(5, 8, 3).
NUM_PARAMETERS = (5 * 8 + 8) + (8 * 3 + 3)  # SOLUTION

# The outputs of a convolution over n inputs with kernel size k and stride s, no padding, as a formula in n, k, s
# (when s divides n - k).
CONV_OUTPUT = "(n - k)/s + 1"  # SOLUTION
'''

CHECKS = '''"""{name} checks: softmax, TwoLayerNet, its parameter count, the convolution's output size."""
from __future__ import annotations

import numpy as np
import torch

from ..answers import Symbols, exact_count, formula
from ..context import Context
from ..fixtures import expected
from ..numeric import close_array
from ..spec import Outcome, check, first_failure, share_of_cases
from . import load_reference

REF = load_reference("{name}")
OVERFLOW = ("exp overflows for large entries; subtract max(z) first (softmax does not change)", "overflow")


@expected  # a known mistake's values: the bundle records them, never this body
def _softmax_unshifted(z: np.ndarray) -> np.ndarray:
    with np.errstate(over="ignore", invalid="ignore"):
        return np.exp(z) / np.exp(z).sum()


@check("1.1", 2, tag=("softmax",), partial_credit=True)
def softmax_values(ctx: Context) -> Outcome:
    """softmax matches the reference, large entries included"""
    cases = []
    for label, offset in (("small entries", 0.0), ("entries near 1000", 1000.0)):
        z = ctx.rng(11).standard_normal(int(ctx.rng(12).integers(3, 9))) + offset
        cases.append((label, close_array(f"softmax(z of {{z.size}} {{label}})", ctx.call("softmax", z), REF.softmax(z),
                                         rtol=1e-9, atol=1e-12, known=[(OVERFLOW, lambda z=z: _softmax_unshifted(z))])))
    return share_of_cases(cases)


SIZES = ((5, 8, 3), (2, 4, 6))  # every size the handout leaves free takes several values


@expected
def _shapes(d: int, h: int, c: int) -> dict[str, list[int]]:
    """The reference model's parameters by name, with their shapes: they, never the student's, size the weights."""
    return {{name: list(p.shape) for name, p in REF.TwoLayerNet(d, h, c).named_parameters()}}


@expected
def _reference_output(d: int, h: int, c: int, state: dict, x: torch.Tensor) -> np.ndarray:
    model = REF.TwoLayerNet(d, h, c)
    model.load_state_dict({{k: torch.from_numpy(v) for k, v in state.items()}})
    with torch.no_grad():
        return model(x).numpy()


@check("2.1", 3, tag=("TwoLayerNet",))
def two_layer_net(ctx: Context) -> Outcome:
    """TwoLayerNet's output equals the reference given the same weights"""
    def case(d: int, h: int, c: int) -> Outcome:
        state = ctx.weights(21, _shapes(d, h, c).items())
        x = torch.from_numpy(ctx.rng(22).standard_normal((4, d)).astype(np.float32))
        return close_array(f"TwoLayerNet({{d}}, {{h}}, {{c}})'s output", ctx.forward("TwoLayerNet", [x], state=state,
                                                                                 init=(d, h, c)),
                           _reference_output(d, h, c, state, x), rtol=1e-5, atol=1e-6, path="['output']",
                           against="the reference run with the same weights")
    return first_failure(case(*sizes) for sizes in SIZES)


@check("3.1", 1, tag=("NUM_PARAMETERS",))
def num_parameters(ctx: Context) -> Outcome:
    """NUM_PARAMETERS of TwoLayerNet(5, 8, 3)"""
    return exact_count("NUM_PARAMETERS", ctx.value("NUM_PARAMETERS").value, REF.NUM_PARAMETERS,
                       {{5 * 8 + 8 * 3: ("the biases are left out", "no_bias")}})


@check("4.1", 2, tag=("CONV_OUTPUT",), visible="after_published")
def conv_output(ctx: Context) -> Outcome:
    """CONV_OUTPUT is the output size of a convolution"""
    return formula("CONV_OUTPUT", ctx.value("CONV_OUTPUT").value, REF.CONV_OUTPUT, Symbols(("n", "k", "s")),
                   {{"(n - k)/s": ("one output more: the first window counts too, (n - k)/s + 1", "off_by_one")}})
'''

FIRST_MISTAKE = '''    e = np.exp(z - np.max(z))
=== becomes ===
    e = np.exp(z)
'''


class ScaffoldError(ValueError):
    """The new assignment cannot be written (its name is taken or not an identifier)."""


def new_assignment(name: str) -> list[Path]:
    """Write the new assignment's reference, template, checks and first mistake, and register it."""
    if not re.fullmatch(r"[a-z][a-z0-9_]*", name):
        raise ScaffoldError(f"{name!r}: an assignment's name is lower case letters, digits and _")
    if name in ASSIGNMENTS:
        raise ScaffoldError(f"{name} already exists")
    written = {GRADER_ROOT / "reference" / f"{name}.py": REFERENCE.format(name=name),
               GRADER_ROOT / "autograder" / "assignments" / f"{name}.py": CHECKS.format(name=name),
               GRADER_ROOT / "tests" / "submissions" / name / "softmax_overflows.mutation": FIRST_MISTAKE}
    written[TEMPLATE_DIR / f"{name}.py"] = strip_solutions(written[GRADER_ROOT / "reference" / f"{name}.py"])
    taken = [p for p in written if p.exists()]
    if taken:
        raise ScaffoldError(f"{taken[0]} exists already")
    for path, text in written.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    registry = GRADER_ROOT / "autograder" / "assignments" / "__init__.py"
    source = registry.read_text()
    listed = ", ".join(f'"{a}"' for a in (*ASSIGNMENTS, name))
    registry.write_text(re.sub(r"^ASSIGNMENTS = \(.*\)$", f"ASSIGNMENTS = ({listed})", source, count=1, flags=re.M))
    return [*written, registry]


def next_steps(name: str) -> str:
    return f"""Next, as docs/authoring.md explains:
  1. python -m autograder grade {name} reference/{name}.py          # the example scores full marks
  2. python -m autograder grade {name} student_template/{name}.py   # and its template 0
  3. edit reference/{name}.py, then: python -m autograder template {name}
  4. edit autograder/assignments/{name}.py: one function per check
  5. add a mistake per diagnosis under tests/submissions/{name}/, then: make test
  6. python -m autograder build {name}; python -m autograder bundle {name}"""
