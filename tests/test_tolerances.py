"""Tolerances come from the computation: correct float32 and float64 solutions pass on every seed, and every
known mistake still fails. Swept in-process (no student code runs), over 50 seeds per problem shape."""
from __future__ import annotations

import numpy as np
import pytest

from autograder.assignments import load_reference
from autograder.compare import FLOAT32_RTOL, mismatch

SEEDS = range(50)
SHAPES = ((50, 8), (20, 60))  # hw6 6.1 and 6.2


def _solvers(dtype):
    return {
        "solve": lambda X, y, lam: np.linalg.solve((X.T @ X + lam * np.eye(X.shape[1], dtype=dtype)), X.T @ y),
        "lstsq": lambda X, y, lam: np.linalg.lstsq(X.T @ X + lam * np.eye(X.shape[1], dtype=dtype), X.T @ y,
                                                   rcond=None)[0],
        "inverse": lambda X, y, lam: np.linalg.inv(X.T @ X + lam * np.eye(X.shape[1], dtype=dtype)) @ (X.T @ y),
        "dual": lambda X, y, lam: X.T @ np.linalg.solve(X @ X.T + lam * np.eye(X.shape[0], dtype=dtype), y),
    }


@pytest.mark.parametrize("n, p", SHAPES)
def test_correct_ridge_solutions_pass_in_float32_and_float64_and_mistakes_fail(n, p):
    from autograder.assignments.hw6 import _ridge_mistakes, ridge_float32_atol

    reference = load_reference("hw6")
    failures = []
    for seed in SEEDS:
        rng = np.random.default_rng([seed, 61])
        X, y, lam = rng.standard_normal((n, p)), rng.standard_normal(n), float(rng.uniform(0.2, 2.0))
        expected = reference.solve_lsqr(X, y, lam)
        atol32 = max(1e-6, ridge_float32_atol(X, lam, expected))
        for dtype, rtol, atol in ((np.float64, 1e-6, 1e-10), (np.float32, FLOAT32_RTOL, atol32)):
            for name, solver in _solvers(dtype).items():
                theta = solver(X.astype(dtype), y.astype(dtype), dtype(lam))
                if mismatch(expected, theta.astype(float), rtol=rtol, atol=atol) is not None:
                    failures.append((seed, np.dtype(dtype).name, name))
        for mistake, theta in _ridge_mistakes(X, y, lam).items():
            assert mismatch(expected, theta, rtol=FLOAT32_RTOL, atol=atol32) is not None, (seed, mistake)
    assert not failures, failures
