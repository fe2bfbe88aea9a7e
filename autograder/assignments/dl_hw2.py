"""dl_hw2 checks: teacher-student risk, one backpropagation step, VGG-11 counts, He initialisation.

Backpropagation is compared with autograd on the homework's numbers and on
random ones; the counts with the reference, whose total COURSE.md fixes.
"""
from __future__ import annotations

import numpy as np
import torch

from ..answers import as_integer
from ..compare import as_number, describe, matches
from ..context import Context
from ..fixtures import expected
from ..numeric import close_number, difference
from ..spec import Outcome, check, failed, first_failure, passed, share_of_cases, with_cause
from . import load_reference

REF = load_reference("dl_hw2")
HOMEWORK = {"x": [1.0, 4.0, 5.0], "t": [0.1, 0.05], "w": [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.1],
            "b": [0.5, 0.5], "lr": 0.01}
FIELDS = ("h", "o", "loss", "grad_w", "grad_b", "new_w", "new_b")
VGG16_TOTAL = 138_357_544


@check("1.1", 2, tag=("teacher-student",))
def teacher_student_risk(ctx: Context) -> Outcome:
    """teacher_student_risk is the exact risk"""
    rng = ctx.rng(11)

    def case(d: int) -> Outcome:
        w, w_t = rng.standard_normal(d), rng.standard_normal(d)
        expected = REF.teacher_student_risk(w, w_t)
        returned = ctx.call("teacher_student_risk", w, w_t)
        got = as_number(returned.value)
        return close_number(f"teacher_student_risk for d = {d}", returned, expected, known=[
            (("that is ||w - w_t||; the risk is its square", "not_squared"), lambda: np.linalg.norm(w - w_t)),
            (("the risk has no factor 1/2", "half"), lambda: expected / 2),
            (("the expectation sums over the d coordinates; it is not a mean over them", "mean"), lambda: expected / d),
            # a sample's estimate is no one value: any answer within 20% is taken for one
            (("a sample average; E[x x^T] = I gives the exact value ||w - w_t||^2", "sampled"),
             lambda: got if abs(got - expected) < 0.2 * expected else np.nan)])

    return first_failure(map(case, (1, 5, 40)))


@expected  # a solution in itself: the student bundle ships its recorded values, never its body
def _autograd_step(x: list, t: list, w: list, b: list, lr: float) -> dict[str, np.ndarray]:
    """The homework's network and step, by autograd in float64."""
    wt = torch.tensor(w, dtype=torch.float64, requires_grad=True)
    bt = torch.tensor(b, dtype=torch.float64, requires_grad=True)
    xt, tt = torch.tensor(x, dtype=torch.float64), torch.tensor(t, dtype=torch.float64)
    h1 = torch.sigmoid(wt[0] * xt[0] + wt[2] * xt[1] + wt[4] * xt[2] + bt[0])
    h2 = torch.sigmoid(wt[1] * xt[0] + wt[3] * xt[1] + wt[5] * xt[2] + bt[0])
    o1 = torch.sigmoid(wt[6] * h1 + wt[8] * h2 + bt[1])
    o2 = torch.sigmoid(wt[7] * h1 + wt[9] * h2 + bt[1])
    loss = 0.5 * ((tt[0] - o1) ** 2 + (tt[1] - o2) ** 2)
    loss.backward()
    detached = lambda *v: torch.stack(v).detach().numpy()  # noqa: E731
    return {"h": detached(h1, h2), "o": detached(o1, o2), "loss": np.array(loss.item()),
            "grad_w": wt.grad.numpy(), "grad_b": bt.grad.numpy(),
            "new_w": (wt - lr * wt.grad).detach().numpy(), "new_b": (bt - lr * bt.grad).detach().numpy()}


@expected  # the formulas of the step's gradients: recorded for the bundle, never shipped
def _step_mistakes(x: list, t: list, w: list, b: list, lr: float) -> dict[str, np.ndarray]:
    """What a step gives with each listed mistake: ``grad_w[:6]`` with dE/dh_i through o_i only, and the
    bias gradients through one use of a shared bias (in every combination)."""
    step = _autograd_step(x, t, w, b, lr)
    h, o, w = step["h"], step["o"], np.asarray(w)
    delta_o = (o - np.asarray(t)) * o * (1 - o)
    own_path = np.array([w[6] * delta_o[0], w[9] * delta_o[1]]) * h * (1 - h)  # h_i through o_i only
    x = np.asarray(x)
    one_path_w = np.array([own_path[0] * x[0], own_path[1] * x[0], own_path[0] * x[1], own_path[1] * x[1],
                           own_path[0] * x[2], own_path[1] * x[2]])
    delta_h = np.array([w[6] * delta_o[0] + w[7] * delta_o[1], w[8] * delta_o[0] + w[9] * delta_o[1]]) * h * (1 - h)
    # each bias through all its uses (right), or through one of them only (the mistake, in any combination)
    b1_ways, b2_ways = (delta_h.sum(), delta_h[0], delta_h[1]), (delta_o.sum(), delta_o[0], delta_o[1])
    variants = [[b1, b2] for i, b1 in enumerate(b1_ways) for j, b2 in enumerate(b2_ways) if i or j]
    return {"one_output_path": one_path_w, "bias_one_use": np.array(variants)}


def _known_step_mistake(problem: dict, got: dict) -> tuple[str, str] | None:
    """Name a step whose hidden-layer or bias gradients follow a listed mistake."""
    mistakes = _step_mistakes(**problem)
    grad_w, grad_b = got.get("grad_w"), got.get("grad_b")
    if isinstance(grad_w, np.ndarray) and grad_w.shape == (10,) and matches(mistakes["one_output_path"], grad_w[:6],
                                                                            rtol=1e-7, atol=1e-12):
        return ("dE/dh_i takes only the path through o_i; each hidden unit feeds both outputs, so "
                "dE/dh_i = sum_k w_ik delta_o_k", "one_output_path")
    if isinstance(grad_b, np.ndarray) and grad_b.shape == (2,) and any(
            matches(v, grad_b, rtol=1e-7, atol=1e-12) for v in mistakes["bias_one_use"]):
        return ("a shared bias is used by both units of its layer, so its gradient is the sum over both uses "
                "(b1 through h1 and h2, b2 through o1 and o2)", "bias_not_summed")
    return None


def _field_problem(got: dict, field: str, expected: np.ndarray, rtol: float, atol: float) -> str | None:
    if field not in got:
        return f"backprop_step returned no {field!r}"
    return difference(expected, got[field], field, rtol=rtol, atol=atol, against="autograd")


def _step_outcomes(ctx: Context, problem: dict, label: str) -> list[tuple[str, Outcome]]:
    expected = _autograd_step(**problem)
    returned = ctx.call("backprop_step", *problem.values())
    got = returned.value
    rtol, atol, _ = returned.tolerance(1e-7, 1e-12)
    if not isinstance(got, dict):
        return [(label, failed(f"backprop_step should return a dict with keys {', '.join(FIELDS)}; "
                               f"got {describe(got)}", "wrong_type"))]
    known = _known_step_mistake(problem, got)
    outcomes = []
    for field in FIELDS:
        problem_text = _field_problem(got, field, expected[field], rtol, atol)
        if problem_text and known and field in ("grad_w", "grad_b", "new_w", "new_b"):
            outcomes.append((f"{label}, {field}", with_cause(problem_text, known)))
        else:
            outcomes.append((f"{label}, {field}", failed(problem_text) if problem_text else passed()))
    return outcomes


@check("2.1", 4, tag=("backprop",), partial_credit=True)
def backprop_homework_numbers(ctx: Context) -> Outcome:
    """backprop_step on the homework's numbers"""
    return share_of_cases(_step_outcomes(ctx, dict(HOMEWORK), "the homework's numbers"))


@check("2.2", 3, tag=("backprop",), partial_credit=True)
def backprop_random_numbers(ctx: Context) -> Outcome:
    """backprop_step on random networks"""
    rng = ctx.rng(22)
    outcomes = []
    for trial in range(3):
        problem = {"x": rng.standard_normal(3).tolist(), "t": rng.uniform(0, 1, 2).tolist(),
                   "w": rng.standard_normal(10).tolist(), "b": rng.standard_normal(2).tolist(),
                   "lr": float(rng.uniform(0.01, 0.5))}
        outcomes += _step_outcomes(ctx, problem, f"random network {trial + 1}")
    return share_of_cases(outcomes)


def _rows(ctx: Context) -> list | Outcome:
    rows = ctx.call("vgg11_param_counts").value
    if isinstance(rows, dict):  # {name: count}: the same pairs, in the same order
        rows = list(rows.items())
    if not isinstance(rows, (list, tuple)) or not all(isinstance(r, (list, tuple)) and len(r) == 2 for r in rows):
        return failed(f"vgg11_param_counts should return a list of (name, count) pairs; got {describe(rows)}",
                      "wrong_type")
    return rows


@check("3.1", 3, tag=("vgg",), partial_credit=True)
def vgg11_rows(ctx: Context) -> Outcome:
    """vgg11_param_counts: every layer's count"""
    rows = _rows(ctx)
    if isinstance(rows, Outcome):
        return rows
    expected = REF.vgg11_param_counts()
    if len(rows) != len(expected):
        hint = " (VGG-16 has 16 layers with parameters; VGG-11 has 11)" if len(rows) == 16 else ""
        return failed(f"expected {len(expected)} rows, one per layer with parameters, got {len(rows)}{hint}",
                      "vgg16" if len(rows) == 16 else "wrong_rows")
    outcomes = []
    for (name, count), (want_name, want) in zip(rows, expected):
        if name != want_name:
            outcome = failed(f"row {want_name!r} is named {name!r}; use the names of VGG11_LAYERS")
        elif count == want:
            outcome = passed()
        else:
            bias = " (the biases are left out)" if isinstance(count, int) and want - count in (64, 128, 256, 512, 4096,
                                                                                            1000) else ""
            outcome = failed(f"{name} has {want} parameters, your count is {count}{bias}",
                             "forgot_biases" if bias else "wrong_count")
        outcomes.append((want_name, outcome))
    return share_of_cases(outcomes)


@check("3.2", 1, tag=("vgg",))
def vgg11_total(ctx: Context) -> Outcome:
    """vgg11_param_counts adds up to VGG-11's total"""
    rows = _rows(ctx)
    if isinstance(rows, Outcome):
        return rows
    counts = [as_integer(c) for _, c in rows]
    if None in counts:
        bad = next(c for _, c in rows if as_integer(c) is None)
        return failed(f"every count should be a whole number; one is {describe(bad)}", "wrong_type")
    total, expected = sum(counts), sum(c for _, c in REF.vgg11_param_counts())
    if total == expected:
        return passed()
    if total == VGG16_TOTAL:
        return failed(f"your rows add up to {total:,}\n  likely cause: those are VGG-16's numbers "
                      "(13 convolutions); VGG-11 (configuration A) has 8", "vgg16")
    return failed(f"your rows add up to {total:,}; expected {expected:,}")


@check("4.1", 1, tag=("initialisation",))
def he_std(ctx: Context) -> Outcome:
    """he_std gives the standard deviation of He initialisation for several fan_in"""
    return first_failure(close_number(
        f"he_std({fan_in})", ctx.call("he_std", fan_in), REF.he_std(fan_in), expected_text=f"sqrt(2 / {fan_in})",
        known=[(("that is sqrt(1 / fan_in), LeCun's; ReLU halves the second moment, so He doubles the variance",
                 "lecun"), lambda fan_in=fan_in: np.sqrt(1 / fan_in)),
               (("that is the variance 2 / fan_in; return its square root", "variance"),
                lambda fan_in=fan_in: 2 / fan_in)]) for fan_in in (1, 9, 576, 4096))
