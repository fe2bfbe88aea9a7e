"""The reference earns every point; the untouched template earns none, without a crash."""
from __future__ import annotations

import torch

from autograder.assignments import ASSIGNMENTS, load, load_reference
from autograder.grading import PRACTICE_SEED, grade
from autograder.template import strip_solutions, template_path, MarkerError
from autograder.assignments import reference_path
from conftest import ROOT

import pytest


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_reference_scores_full_marks(grade_submission, assignment):
    graded = grade_submission(assignment, ROOT / "reference" / f"{assignment}.py")["graded"]
    lost = {r.check.name: r.outcome.message for r in graded.results if not r.passed}
    assert lost == {}
    assert graded.score == load(assignment).total


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
@pytest.mark.parametrize("seed", [PRACTICE_SEED, 987_654_321])
def test_reference_scores_full_marks_on_other_seeds(fork_server, assignment, seed):
    """Gradescope grades on a secret seed drawn when its zip is built: any seed must be fair."""
    graded = grade(assignment, ROOT / "reference" / f"{assignment}.py", fork_server, seed=seed)
    assert {r.check.name: r.outcome.message for r in graded.results if not r.passed} == {}


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_template_scores_zero_and_says_not_implemented(grade_submission, assignment):
    graded = grade_submission(assignment, ROOT / "student_template" / f"{assignment}.py")["graded"]
    assert graded.score == 0
    assert {r.outcome.diagnosis for r in graded.results} == {"not_implemented"}
    for r in graded.results:
        assert "not implemented yet" in r.outcome.message or "is still None" in r.outcome.message


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_committed_template_matches_a_fresh_generation(assignment):
    fresh = strip_solutions(reference_path(assignment).read_text())
    assert template_path(assignment).read_text() == fresh, f"run: python -m autograder template {assignment}"


def test_template_holds_no_solution():
    text = template_path("hw6").read_text()
    assert "SOLUTION" not in text and "np.linalg.solve" not in text and "nn.ModuleList" not in text
    assert "def draw_double_descent_data" in text  # the givens stay


def test_unbalanced_markers_are_refused():
    with pytest.raises(MarkerError):
        strip_solutions("def f():\n    # BEGIN SOLUTION\n    return 1\n")


def test_reference_counts_match_the_modules_and_course_figures():
    ref = load_reference("hw6")
    assert ref.PARAMS_STM == sum(p.numel() for p in ref.STMConvLayer().parameters()) == 78592
    assert ref.PARAMS_PLAIN == 213504


def test_reference_jacobian_and_gradients_match_autograd():
    import numpy as np
    from autograder.assignments.hw6 import _residual_grads_autograd

    ref = load_reference("hw6")
    rng = np.random.default_rng(1)
    shapes = [(4, 3), (4, 4), (4, 4), (1, 4)]
    As, bs, x = [rng.standard_normal(s) for s in shapes], [rng.standard_normal(s[0]) for s in shapes], rng.standard_normal(3)
    sig = lambda z: 1 / (1 + np.exp(-z))  # noqa: E731
    dAs, dbs = ref.residual_param_grads(As, bs, x, sig, lambda z: sig(z) * (1 - sig(z)))
    eA, eb = _residual_grads_autograd(As, bs, x, torch.sigmoid)
    for got, want in zip(dAs + dbs, eA + eb):
        np.testing.assert_allclose(got, want, rtol=1e-10)


def test_double_descent_mistake_model_without_mistakes_is_the_reference():
    import numpy as np
    from autograder.assignments.hw6 import NUM_PARAMS, _double_descent_variant

    ref = load_reference("hw6")
    for lamda in (0.01, None):
        np.testing.assert_allclose(_double_descent_variant(0, lamda, "1/sqrt(p)", "val"),
                                   ref.double_descent(NUM_PARAMS, lamda, 0), rtol=1e-8)


FLOAT32_HW6 = '''

# ---- the same solutions, computed in float32 (tests/test_reference_and_template.py)
_f64 = dict(output_variance=output_variance, residual_jacobian=residual_jacobian,
            residual_param_grads=residual_param_grads, solve_lsqr=solve_lsqr, get_error=get_error,
            random_features=random_features)


def _f32(value):
    if isinstance(value, (list, tuple)):
        return type(value)(_f32(v) for v in value)
    return np.asarray(value, dtype=np.float32) if isinstance(value, np.ndarray) else value


def output_variance(widths):
    return np.float32(_f64["output_variance"](widths))


def residual_jacobian(A, b, y_prev, sigma_prime):
    return _f64["residual_jacobian"](_f32(A), _f32(b), _f32(y_prev), sigma_prime)


def residual_param_grads(As, bs, x, sigma, sigma_prime):
    return _f64["residual_param_grads"](_f32(As), _f32(bs), _f32(x), sigma, sigma_prime)


def solve_lsqr(X, y, lamda):
    return _f64["solve_lsqr"](_f32(X), _f32(y), np.float32(lamda))


def get_error(X, y, theta):
    return _f64["get_error"](_f32(X), _f32(y), _f32(theta))


def random_features(X, W):
    return _f64["random_features"](_f32(X), _f32(W))
'''


def test_correct_solutions_in_float32_earn_every_point_and_are_told_so(grade_submission, tmp_path):
    path = tmp_path / "hw6.py"
    path.write_text((ROOT / "reference" / "hw6.py").read_text() + FLOAT32_HW6)
    results = grade_submission("hw6", path)["by_number"]
    assert {n: r.outcome.message for n, r in results.items() if not r.passed} == {}
    for number in ("2.2", "2.3", "6.5", "6.7"):  # those that come back as float32 (np.eye upcasts the others)
        assert "compared at float32 precision: your value is float32" in results[number].outcome.message
