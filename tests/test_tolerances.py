"""Tolerances come from the computation: correct float32 and float64 solutions pass on every seed, and every
known mistake still fails. Swept in-process (no student code runs), over 50 seeds per problem shape."""
from __future__ import annotations

import numpy as np
import pytest
import torch

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


@pytest.mark.parametrize("function, source, target", [("sigmoid_to_tanh", "sigmoid", "tanh"),
                                                      ("tanh_to_sigmoid", "tanh", "sigmoid")])
def test_correct_float32_conversions_pass_and_the_uniform_factor_fails(function, source, target):
    from autograder.assignments.hw3 import _network, _sigmoid, conversion_float32_atol

    reference = load_reference("hw3")
    act = {"sigmoid": _sigmoid, "tanh": np.tanh}
    failures = []
    for seed in SEEDS:
        rng = np.random.default_rng([seed, 51])
        for depth in range(2, 6):
            shapes = [(5, 3)] + [(5, 5)] * (depth - 2) + [(2, 5)]
            As, bs = [rng.standard_normal(s) for s in shapes], [rng.standard_normal(s[0]) for s in shapes]
            xs = rng.standard_normal((3, 4))
            expected = np.stack([_network(As, bs, x, act[source]) for x in xs.T])
            atol = conversion_float32_atol(function, As, bs, xs, act[target])
            # a student's own float32 computation of the conversion, from float32 inputs
            Cs, ds = getattr(reference, function)([A.astype(np.float32) for A in As], [b.astype(np.float32) for b in bs])
            got = np.stack([_network([C.astype(np.float32) for C in Cs], [d.astype(np.float32) for d in ds], x,
                                     act[target]) for x in xs.T])
            if mismatch(expected, got, rtol=1e-5, atol=atol) is not None:
                failures.append((seed, depth))
            factor = 0.5 if function == "sigmoid_to_tanh" else 2.0
            wrong = np.stack([_network([factor * A for A in As], [factor * b for b in bs], x, act[target])
                              for x in xs.T])
            assert mismatch(expected, wrong, rtol=1e-5, atol=atol) is not None, (seed, depth)
    assert not failures, failures


def test_correct_float32_residual_gradients_pass_and_the_known_mistakes_fail():
    """hw6 3.1 and 3.2 as the checks draw them: the reference computed in float32 from float32 inputs, against
    the tolerance the checks give a float32 answer."""
    from autograder.assignments.hw6 import ACTIVATIONS, _param_grad_mistakes, residual_grads_float32_atol
    from autograder.compare import FLOAT32_ATOL

    reference = load_reference("hw6")
    failures = []
    for seed in SEEDS:
        rng = np.random.default_rng([seed, 31])
        for m in (3, 5, 8):
            A, b, y = rng.standard_normal((m, m)), rng.standard_normal(m), rng.standard_normal(m)
            tanh_prime = ACTIVATIONS["tanh"][1]
            expected = reference.residual_jacobian(A, b, y, tanh_prime)
            got = reference.residual_jacobian(*(v.astype(np.float32) for v in (A, b, y)), tanh_prime)
            if mismatch(expected, got.astype(float), rtol=FLOAT32_RTOL, atol=FLOAT32_ATOL) is not None:
                failures.append((seed, "jacobian", m))
        rng = np.random.default_rng([seed, 32])
        for depth in range(3, 7):
            for act in ("tanh", "sigmoid"):
                shapes = [(4, 3)] + [(4, 4)] * (depth - 2) + [(1, 4)]
                As = [rng.standard_normal(s) for s in shapes]
                bs = [rng.standard_normal(s[0]) for s in shapes]
                x = rng.standard_normal(3)
                atol = max(FLOAT32_ATOL, residual_grads_float32_atol(As, bs, x, act))
                expected = [g for part in reference.residual_param_grads(As, bs, x, *ACTIVATIONS[act]) for g in part]
                got = [g for part in reference.residual_param_grads(
                    [A.astype(np.float32) for A in As], [v.astype(np.float32) for v in bs], x.astype(np.float32),
                    *ACTIVATIONS[act]) for g in part]
                if any(mismatch(e, g.astype(float), rtol=FLOAT32_RTOL, atol=atol) for e, g in zip(expected, got)):
                    failures.append((seed, depth, act))
                for mistake, (dAs, dbs) in _param_grad_mistakes(As, bs, x, act).items():
                    assert any(mismatch(e, np.asarray(g, dtype=float), rtol=FLOAT32_RTOL, atol=atol)
                               for e, g in zip(expected, list(dAs) + list(dbs))), (seed, depth, act, mistake)
    assert not failures, failures


def test_correct_float32_backpropagation_by_hand_passes_every_case():
    """nyu_hw1 sends float32 tensors: the reference's own float32 forward and backward, as a student's would
    compute them, against the float64 autograd the checks compare with, for every f, g, loss and size."""
    import types

    from autograder.assignments.nyu_hw1 import (F_NAMES, G_NAMES, SIZES, _autograd, _compare, _problem,
                                                backward_float32_atol)

    # a student's own float32 rounding: tests/correct's solution (matmuls of transposes, BCE simplified)
    from autograder.mutations import apply_mutation
    from conftest import ROOT
    student = types.ModuleType("student")
    exec(apply_mutation((ROOT / "reference" / "nyu_hw1.py").read_text(), next(
        (ROOT / "tests" / "correct" / "nyu_hw1").glob("*.mutation")).read_text()), vars(student))
    failures = []
    for seed in SEEDS:
        ctx = types.SimpleNamespace(rng=lambda salt, seed=seed: np.random.default_rng([seed, salt]))
        for case in range(len(SIZES)):
            params, x, y = _problem(ctx, 21, case)
            for f in F_NAMES:
                for g in G_NAMES:
                    for loss in ("mse", "bce") if g == "sigmoid" else ("mse",):
                        got = {k: v.numpy() for k, v in student.backward(params, x, y, f, g, loss).items()}
                        atol = backward_float32_atol(params, x, y, f, g, loss)
                        if _compare(got, _autograd(params, x, y, f, g, loss), "backward", atol) is not None:
                            failures.append((seed, case, f, g, loss))
    assert not failures, failures


def test_correct_float32_dl_hw2_answers_pass_every_seed():
    """dl_hw2's backprop step and risk computed in float32 (the reference with float32 in place of float64),
    against the checks' float32 tolerance, as the checks draw them."""
    import types

    from autograder.assignments.dl_hw2 import _autograd_step
    from autograder.compare import FLOAT32_ATOL
    from conftest import ROOT

    student = types.ModuleType("student")
    source = (ROOT / "reference" / "dl_hw2.py").read_text()
    exec(source.replace("np.asarray(v, dtype=float)", "np.asarray(v, dtype=np.float32)").replace(
        "np.sum((np.asarray(w) - np.asarray(w_t)) ** 2)",
        "np.sum((np.asarray(w, np.float32) - np.asarray(w_t, np.float32)) ** 2)"), vars(student))
    reference = load_reference("dl_hw2")
    failures = []
    for seed in SEEDS:
        rng = np.random.default_rng([seed, 22])
        for trial in range(3):
            problem = {"x": rng.standard_normal(3).tolist(), "t": rng.uniform(0, 1, 2).tolist(),
                       "w": rng.standard_normal(10).tolist(), "b": rng.standard_normal(2).tolist(),
                       "lr": float(rng.uniform(0.01, 0.5))}
            expected, got = _autograd_step(**problem), student.backprop_step(**problem)
            failures += [(seed, trial, k) for k in expected if mismatch(
                expected[k], np.asarray(got[k], dtype=float), rtol=FLOAT32_RTOL, atol=FLOAT32_ATOL) is not None]
        rng = np.random.default_rng([seed, 11])
        for d in (1, 5, 40):
            w, w_t = rng.standard_normal(d), rng.standard_normal(d)
            if not np.isclose(student.teacher_student_risk(w, w_t), reference.teacher_student_risk(w, w_t),
                              rtol=FLOAT32_RTOL):
                failures.append((seed, "risk", d))
    assert not failures, failures


class _GroupedBlock(torch.nn.Module):
    """STMConvLayer as grouped convolutions: the same map in another layout of its weights."""

    def __init__(self):
        super().__init__()
        self.reduce = torch.nn.Conv2d(256, 128, 1)
        self.spatial = torch.nn.Conv2d(128, 128, 3, padding=1, groups=32)
        self.expand = torch.nn.Conv2d(128, 256 * 32, 1, groups=32)

    def forward(self, x):
        hidden = torch.relu(self.spatial(torch.relu(self.reduce(x))))
        out = self.expand(hidden)
        return torch.relu(out.view(x.shape[0], 32, 256, *out.shape[2:])).sum(1)


@pytest.mark.parametrize("layout", ["reference", "grouped"])
def test_correct_stm_gradients_give_the_reference_slope_and_scaled_ones_do_not(layout):
    from autograder.assignments.hw6 import (SLOPE_RTOL, STM_INPUT_SHAPE, _layouts, _reference_output,
                                            _reference_slope)
    from autograder.compare import matches

    worst, closest_wrong = 0.0, np.inf
    for seed in range(25):
        block = load_reference("hw6").STMConvLayer() if layout == "reference" else _GroupedBlock()
        rng = np.random.default_rng([seed, 55])
        state = {n: (0.1 * rng.standard_normal(tuple(p.shape))).astype(np.float32) for n, p in block.named_parameters()}
        block.load_state_dict({n: torch.from_numpy(v) for n, v in state.items()})
        x = torch.from_numpy(rng.standard_normal(STM_INPUT_SHAPE).astype(np.float32))
        out = block(x)
        out.sum().backward()
        gradients = {n: p.grad.double().numpy() for n, p in block.named_parameters()}
        layouts = _layouts(state)
        matched = next(i for i, branches in enumerate(layouts)
                       if matches(_reference_output(branches, x), out.detach().numpy(), rtol=1e-4, atol=1e-5))
        direction = {n: rng.standard_normal(v.shape).astype(np.float32) for n, v in state.items()}
        expected, scale = _reference_slope(layouts[matched], _layouts(direction)[matched], x)
        got = sum(float(gradients[n].ravel() @ direction[n].astype(float).ravel()) for n in state)
        worst = max(worst, abs(got - expected) / scale)
        closest_wrong = min(closest_wrong, abs(2 * got - expected) / scale, abs(got / 2 - expected) / scale)
    assert worst <= SLOPE_RTOL / 10 and closest_wrong >= 10 * SLOPE_RTOL, (worst, closest_wrong)
