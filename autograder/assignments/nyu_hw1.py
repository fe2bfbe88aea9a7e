"""nyu_hw1 checks: the forward and backward passes of a two-layer network, by hand.

Expected values: the reference's forward pass, and autograd on the same
float32 inputs carried in float64. Known mistakes are named by replaying
autograd with the mistake switched in.
"""
from __future__ import annotations

import numpy as np
import torch

from ..compare import float32_rounding, matches
from ..context import Context
from ..fixtures import expected
from ..numeric import difference, leaves_inputs
from ..spec import Outcome, check, failed, passed, share_of_cases, with_cause
from . import load_reference

REF = load_reference("nyu_hw1")
F_NAMES = ("5relu", "relu", "tanh")
G_NAMES = ("identity", "sigmoid")
FORWARD_KEYS = ("z1", "z2", "z3", "y_hat")
GRAD_KEYS = {"dW1": "W1", "db1": "b1", "dW2": "W2", "db2": "b2"}
RTOL, ATOL = 1e-4, 1e-6


MAX_LOGIT = 8.0  # float32's sigmoid rounds to exactly 1 near 17: the textbook BCE gradient would be 0/0


# (n inputs, m hidden units, K outputs) of a check's cases in turn: every size the handout leaves free takes
# several values within each check, so that no size hard-coded from one example passes (a BCE mean written / 2)
SIZES = ((3, 4, 2), (5, 6, 3), (4, 5, 2), (3, 6, 4), (6, 4, 3), (5, 5, 2))


def _problem(ctx: Context, salt: int, case: int = 0) -> tuple[dict[str, torch.Tensor], torch.Tensor, torch.Tensor]:
    """A network of the case's sizes (SIZES); targets in (0, 1).

    Draws are repeated until every output's pre-activation stays within
    MAX_LOGIT for every f, so that a correct float32 solution is never
    judged on rounding, and the hidden pre-activations have both signs, so
    that a wrong ReLU slope shows.
    """
    rng = ctx.rng(salt * 100 + case)
    n, m, k = SIZES[case % len(SIZES)]
    shapes = {"W1": (m, n), "b1": (m,), "W2": (k, m), "b2": (k,)}
    while True:
        params = {key: rng.standard_normal(s).astype(np.float32) for key, s in shapes.items()}
        x = rng.standard_normal(n).astype(np.float32)
        y = rng.uniform(0.05, 0.95, k).astype(np.float32)
        z1 = params["W1"] @ x + params["b1"]
        if z1.max() > 0 > z1.min() and all(np.abs(params["W2"] @ z2 + params["b2"]).max() <= MAX_LOGIT
               for z2 in (5 * np.maximum(z1, 0), np.maximum(z1, 0), np.tanh(z1))):
            return {key: torch.from_numpy(v) for key, v in params.items()}, torch.from_numpy(x), torch.from_numpy(y)


@expected
def _autograd(params: dict, x: torch.Tensor, y: torch.Tensor, f: str, g: str, loss: str, *,
              relu_factor: float = 5.0, loss_scale: float = 1.0, tanh_squared: bool = True) -> dict[str, np.ndarray]:
    """Gradients by autograd in float64; the keywords switch in a known mistake.

    ``relu_factor`` is the slope used for 5ReLU's derivative (the forward
    value stays 5 ReLU); ``loss_scale`` multiplies the loss; ``tanh_squared``
    False takes tanh's derivative as 1 - tanh(z), the square left out.
    """
    leaves = {k: v.detach().double().clone().requires_grad_(True) for k, v in params.items()}
    z1 = leaves["W1"] @ x.double() + leaves["b1"]
    if f == "5relu":
        z2 = relu_factor * torch.relu(z1) + ((5.0 - relu_factor) * torch.relu(z1)).detach()
    elif f == "tanh" and not tanh_squared:  # tanh's value, with the slope 1 - tanh(z)
        value = torch.tanh(z1).detach()
        z2 = value + (1 - value) * (z1 - z1.detach())
    else:
        z2 = REF._activation(f, z1)
    y_hat = REF._activation(g, leaves["W2"] @ z2 + leaves["b2"])
    target = y.double()
    if loss == "mse":
        value = ((y_hat - target) ** 2).sum()
    else:
        value = -(target * torch.log(y_hat) + (1 - target) * torch.log(1 - y_hat)).mean()
    (loss_scale * value).backward()
    return {name: leaves[param].grad.numpy() for name, param in GRAD_KEYS.items()}


@expected
def backward_float32_atol(params: dict, x: torch.Tensor, y: torch.Tensor, f: str, g: str, loss: str) -> float:
    """How far the right gradients move when computed in float32 from these float32 inputs, times ten: a
    correct float32 solution stays within it (tests/test_tolerances.py sweeps it), the known mistakes, which
    scale whole gradients, far outside."""
    exact = _autograd(params, x, y, f, g, loss)
    rounded = REF.backward(params, x, y, f, g, loss)
    return float32_rounding([exact[k] for k in exact], [rounded[k].double().numpy() for k in exact], ATOL)


def _compare(got: object, expected: dict[str, np.ndarray], what: str, atol: float = ATOL) -> str | None:
    """None when ``got`` is a dict matching ``expected`` key by key; else the first difference."""
    return difference(expected, got, what, rtol=RTOL, atol=atol, against="the expected value")


def _forward_case(ctx: Context, f: str, g: str, case: int) -> Outcome:
    params, x, _ = _problem(ctx, 11, case)
    expected = {k: v.double().numpy() for k, v in REF.forward({k: v.double() for k, v in params.items()},
                                                              x.double(), f, g).items()}
    got = ctx.call("forward", params, x, f, g).value
    problem = _compare(got, expected, "forward")
    if problem is None:
        return passed()
    if f == "5relu" and isinstance(got, dict) and isinstance(got.get("z2"), np.ndarray) \
            and matches(np.maximum(expected["z1"], 0), got["z2"], rtol=RTOL, atol=ATOL):
        return failed(f"{problem}\n  likely cause: f = '5relu' is 5 ReLU(z), not ReLU(z)", "five_relu_forward")
    return failed(problem)


@check("1.1", 4, tag=("forward",), partial_credit=True)
def forward_all_activations(ctx: Context) -> Outcome:
    """forward for every f and g"""
    pairs = [(f, g) for f in F_NAMES for g in G_NAMES]
    return share_of_cases([(f"f = {f!r}, g = {g!r}", _forward_case(ctx, f, g, case)) for case, (f, g) in enumerate(pairs)])


KNOWN_BACKWARD_MISTAKES = {
    "mse": [({"loss_scale": 0.5}, "the gradient of ||y_hat - y||^2 is 2 (y_hat - y), not (y_hat - y)",
             "mse_factor"),
            ({"loss_scale": 2.0}, "the loss has no 1/2 and no extra factor: its gradient is 2 (y_hat - y)",
             "mse_factor")],
    "bce": [({"loss_scale": "K"}, "the cross-entropy is averaged over the K outputs: divide by K",
             "bce_not_averaged"),
            ({"loss_scale": "K/2"}, "the mean over the K outputs is written / 2, which is right for K = 2 only: "
                                    "divide by K (y.numel())", "bce_fixed_k")],
}


def _backward_case(ctx: Context, f: str, g: str, loss: str, salt: int, case: int) -> Outcome:
    params, x, y = _problem(ctx, salt, case)
    expected = _autograd(params, x, y, f, g, loss)
    got = ctx.call("backward", params, x, y, f, g, loss).value
    atol = backward_float32_atol(params, x, y, f, g, loss)
    problem = _compare(got, expected, "backward", atol)
    if problem is None:
        return passed()
    mistakes = list(KNOWN_BACKWARD_MISTAKES[loss])
    if f == "5relu":
        mistakes.append(({"relu_factor": 1.0}, "f = 5 ReLU has derivative 5 * 1[z > 0], not 1[z > 0]",
                         "five_relu_derivative"))
    if f == "tanh":
        mistakes.append(({"tanh_squared": False}, "tanh'(z) = 1 - tanh(z)^2; the square is missing",
                         "tanh_derivative"))
    for knobs, cause, code in mistakes:
        knobs = {k: {"K": len(y), "K/2": len(y) / 2}.get(v, v) if isinstance(v, str) else v for k, v in knobs.items()}
        if _compare(got, _autograd(params, x, y, f, g, loss, **knobs), "backward", atol) is None:
            return with_cause(problem, (cause, code))
    return failed(problem)


@check("2.1", 4, tag=("backward",), partial_credit=True)
def backward_squared_error(ctx: Context) -> Outcome:
    """backward with the squared error matches autograd for every f and g"""
    pairs = [(f, g) for f in F_NAMES for g in G_NAMES]
    return share_of_cases([(f"f = {f!r}, g = {g!r}, sizes {SIZES[case]}", _backward_case(ctx, f, g, "mse", 21, case))
                           for case, (f, g) in enumerate(pairs)])


@check("2.2", 3, tag=("backward",), partial_credit=True)
def backward_cross_entropy(ctx: Context) -> Outcome:
    """backward with binary cross-entropy matches autograd for every f"""
    return share_of_cases([(f"f = {f!r}, g = 'sigmoid', sizes {SIZES[case]}",
                            _backward_case(ctx, f, "sigmoid", "bce", 22, case)) for case, f in enumerate(F_NAMES)])


@check("2.3", 1, tag=("backward",))
def backward_leaves_inputs(ctx: Context) -> Outcome:
    """backward does not modify the parameters or the input"""
    params, x, y = _problem(ctx, 23)
    returned = ctx.call("backward", params, x, y, "relu", "sigmoid", "mse")
    return leaves_inputs("backward", returned, ("params", "x", "y"),
                         lambda: _compare(returned.value, _autograd(params, x, y, "relu", "sigmoid", "mse"),
                                          "backward") is None, "compute new tensors instead", see="2.1")
