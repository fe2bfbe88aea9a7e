"""Course policy: a check may refuse points for calls the handout rules out (hw6's gradients by the formulas), or
tell of a method the handout asks to avoid while its verdict stands (an inverse in solve_lsqr)."""
from __future__ import annotations

import nbformat
import pytest

from autograder.policy import INVERSE, Forbidden, forbidden_uses
from conftest import ROOT

JACOBIAN_BY_AUTOGRAD = '''

import torch as _torch


def residual_jacobian(A, b, y_prev, sigma_prime):
    def layer(y):
        return _torch.tanh(_torch.as_tensor(A) @ y + _torch.as_tensor(b)) + y
    return _torch.autograd.functional.jacobian(layer, _torch.as_tensor(y_prev)).numpy()
'''

GRADS_THROUGH_A_HELPER = '''

from torch.autograd import grad as _grad


def _differentiate(value, leaves):
    return _grad(value, leaves)


def residual_param_grads(As, bs, x, sigma, sigma_prime):
    return _differentiate(None, None)
'''


def test_gradients_by_autograd_score_nothing_and_say_why(grade_hw6, tmp_path):
    path = tmp_path / "hw6.py"
    path.write_text((ROOT / "reference" / "hw6.py").read_text() + JACOBIAN_BY_AUTOGRAD + GRADS_THROUGH_A_HELPER)
    results = grade_hw6(path)["by_number"]
    for number in ("3.1", "3.2"):
        assert results[number].score == 0 and results[number].outcome.diagnosis == "forbidden"
        assert "by the formulas from class, not by automatic differentiation" in results[number].outcome.message
    assert "_torch.autograd.functional.jacobian" in results["3.1"].outcome.message
    assert "return _grad(value, leaves)" in results["3.2"].outcome.message  # found in the helper it calls
    assert results["6.1"].passed  # other checks as usual


def test_the_policy_reads_notebooks_and_leaves_other_functions_alone(grade_hw6, tmp_path):
    reference = (ROOT / "reference" / "hw6.py").read_text()
    cells = [nbformat.v4.new_code_cell(reference),
             nbformat.v4.new_code_cell("%time\nimport torch\nx = torch.ones(2, requires_grad=True)\n"
                                       "def unrelated():\n    return torch.autograd.grad"),
             nbformat.v4.new_code_cell(JACOBIAN_BY_AUTOGRAD)]
    path = tmp_path / "hw6.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=cells), path)
    results = grade_hw6(path)["by_number"]
    assert results["3.1"].outcome.diagnosis == "forbidden" and results["3.2"].passed


INVERSE_RULE = Forbidden(("solve_lsqr",), INVERSE, "no inverse", costs_points=False)


@pytest.mark.parametrize("source, found", [
    ("import numpy as np\ndef solve_lsqr(X, y, lamda):\n    return np.linalg.inv(X.T @ X) @ X.T @ y\n", [3]),
    ("from numpy.linalg import inv as _i\ndef solve_lsqr(X, y, lamda):\n    return _i(X) @ y\n", [3]),
    ("def solve_lsqr(X, y, lamda):\n    from scipy.linalg import pinv\n    return pinv(X) @ y\n", [2]),
    ("def _h(A):\n    return A.inverse()\ndef solve_lsqr(X, y, lamda):\n    return _h(X) @ y\n", [2]),
    ("import numpy as np\ndef solve_lsqr(X, y, lamda):\n    return np.linalg.solve(X.T @ X, X.T @ y)\n", []),
    ("import numpy as np\ndef other(X):\n    return np.linalg.inv(X)\ndef solve_lsqr(X, y, l):\n    return X\n", []),
])
def test_an_inverse_is_found_in_the_solver_and_what_it_calls_only(source, found):
    assert [int(use.split(":")[0].split()[1]) for use in forbidden_uses(source, INVERSE_RULE)] == found


def test_an_inverse_costs_no_points_and_is_told_beside_the_verdict(grade_hw6, tmp_path):
    path = tmp_path / "hw6.py"
    path.write_text((ROOT / "reference" / "hw6.py").read_text().replace(
        "np.linalg.solve(X.T @ X + lamda * np.eye(X.shape[1]), X.T @ y)",
        "np.linalg.inv(X.T @ X + lamda * np.eye(X.shape[1])) @ (X.T @ y)"))
    results = grade_hw6(path)["by_number"]
    assert results["6.1"].passed and results["6.1"].outcome.message.startswith(
        "note: the handout asks to solve the linear system (np.linalg.solve), not to form an inverse")
    assert "found: line" in results["6.1"].outcome.message and results["6.2"].outcome.message == ""
