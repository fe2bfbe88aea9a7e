"""midterm checks: Adam's special cases, an identity convolution, zero and He initialisation.

Optimiser answers are judged by running both optimisers here from the same
start on the same problem and comparing the trajectories.
"""
from __future__ import annotations

import re

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from ..answers import Symbols, formula, truth_value
from ..compare import WrongType, as_number, describe, mismatch
from ..context import Context
from ..fixtures import expected
from ..numeric import close_number
from ..spec import Outcome, check, failed, first_failure, passed, share_of_cases
from . import load_reference

REF = load_reference("midterm")
STEPS, LR = 25, 0.05


def _gradient(theta: np.ndarray, Q: np.ndarray) -> np.ndarray:
    return Q @ theta + np.sin(theta)


def _trajectory(update, theta: np.ndarray, Q: np.ndarray) -> np.ndarray:
    """Iterates of ``update(g, state) -> (step, state)`` on a smooth nonconvex problem."""
    path, state = [theta], {}
    for _ in range(STEPS):
        step, state = update(_gradient(path[-1], Q), state)
        path.append(path[-1] - LR * step)
    return np.array(path)


def _adam(beta1: float, beta2: float, eps: float):
    def update(g, s):
        m = beta1 * s.get("m", 0.0) + (1 - beta1) * g
        v = beta2 * s.get("v", 0.0) + (1 - beta2) * g ** 2
        with np.errstate(divide="ignore", invalid="ignore"):
            return m / (np.sqrt(v) + eps), {"m": m, "v": v}
    return update


def _rmsprop(beta2: float, eps: float):
    def update(g, s):
        v = beta2 * s.get("v", 0.0) + (1 - beta2) * g ** 2
        return g / (np.sqrt(v) + eps), {"v": v}
    return update


def _sign_sgd(g, s):
    return np.sign(g), s


def _triple(ctx: Context, name: str, *args: float) -> tuple[float, float, float] | Outcome:
    got = ctx.call(name, *args).value
    values = tuple(as_number(v) for v in got) if isinstance(got, (list, tuple)) else ()
    if len(values) != 3 or None in values:
        return failed(f"{name} should return three numbers (beta1, beta2, eps), got {describe(got)}", "wrong_type")
    return values


def _same_trajectory(ctx: Context, salt: int, adam, other) -> str | None:
    rng = ctx.rng(salt)
    A = rng.standard_normal((4, 4))
    Q, theta = A @ A.T / 4, rng.standard_normal(4)
    return mismatch(_trajectory(other, theta, Q), _trajectory(adam, theta, Q), rtol=1e-9, atol=1e-12)


@check("1.1", 2, tag=("optimisers",))
def adam_as_rmsprop(ctx: Context) -> Outcome:
    """Adam with adam_params_for_rmsprop follows RMSProp's trajectory"""
    for beta2, eps in ((0.9, 1e-8), (0.99, 1e-3)):
        params = _triple(ctx, "adam_params_for_rmsprop", beta2, eps)
        if isinstance(params, Outcome):
            return params
        problem = _same_trajectory(ctx, 11, _adam(*params), _rmsprop(beta2, eps))
        if problem:
            hint = ("\n  likely cause: with beta1 != 0 Adam averages past gradients; beta1 = 0 makes m_t = g_t"
                    if params[0] != 0 else "")
            return failed(f"Adam with (beta1, beta2, eps) = {params} does not follow RMSProp(beta2={beta2}, "
                          f"eps={eps}) over {STEPS} steps:\n{problem}{hint}", "beta1" if hint else "wrong_value")
    return passed()


@check("1.2", 2, tag=("optimisers",))
def adam_as_sign_sgd(ctx: Context) -> Outcome:
    """Adam with adam_params_for_signsgd follows signSGD's trajectory"""
    params = _triple(ctx, "adam_params_for_signsgd")
    if isinstance(params, Outcome):
        return params
    problem = _same_trajectory(ctx, 12, _adam(*params), _sign_sgd)
    if problem is None:
        return passed()
    causes = []
    if params[0] != 0:
        causes.append("beta1 = 0, so that m_t = g_t")
    if params[1] != 0:
        causes.append("beta2 = 0, so that v_t = g_t^2")
    if params[2] != 0:
        causes.append("eps = 0, so that g / sqrt(g^2) = sign(g) exactly")
    hint = f"\n  likely cause: signSGD needs {'; '.join(causes)}" if causes else ""
    return failed(f"Adam with (beta1, beta2, eps) = {params} does not follow signSGD over {STEPS} steps:\n"
                  f"{problem}{hint}", "wrong_value")


@check("2.1", 1, visible="after_published", tag=("convolutions",))
def maxpool_relu(ctx: Context) -> Outcome:
    """MAXPOOL_RELU_EQUIVALENT"""
    return truth_value("MAXPOOL_RELU_EQUIVALENT", ctx.value("MAXPOOL_RELU_EQUIVALENT").value,
                       REF.MAXPOOL_RELU_EQUIVALENT, "ReLU is monotone, so it commutes with taking a maximum, and "
                       "applying ReLU twice is applying it once: all three are the same map")


def _filter_case(ctx: Context, C: int) -> Outcome:
    returned = ctx.call("identity_conv_filter", C)
    if not isinstance(returned.value, (list, tuple)) or len(returned.value) != 2:
        return failed(f"identity_conv_filter({C}) should return (weight, bias), got {describe(returned.value)}",
                      "wrong_type")
    try:
        weight, _ = returned.array("[0]", lib="torch", dtype="float32")
        bias, _ = returned.array("[1]", lib="torch", dtype="float32")
    except WrongType as exc:
        return failed(f"identity_conv_filter({C}) {exc}", "wrong_type")
    if weight.shape != (C, C, 3, 3) or bias.shape != (C,):
        return failed(f"identity_conv_filter({C}) returned shapes {weight.shape} and {bias.shape}; expected "
                      f"({C}, {C}, 3, 3) and ({C},)", "wrong_shape")
    X = torch.from_numpy(ctx.rng(20 + C).standard_normal((2, C, 6, 6)).astype(np.float32))
    out = F.conv2d(X, torch.from_numpy(weight), torch.from_numpy(bias), padding=1).numpy()
    # float32 rounding only: a CPU's convolution may take a route (Winograd) that is not exact even for 0 and 1
    problem = mismatch(X.numpy(), out, rtol=1e-6, atol=1e-6)
    if problem is None:
        return passed()
    message = f"conv2d(X, weight, bias, padding=1) with C = {C} is not X:\n{problem}"
    off_diagonal = weight.copy()
    off_diagonal[np.arange(C), np.arange(C)] = 0
    if C > 1 and np.any(off_diagonal):
        return failed(f"{message}\n  likely cause: weight[c, c'] must be zero for c != c': only the diagonal of "
                      "the channel axis may be nonzero, or each output channel mixes the inputs", "off_diagonal")
    empty = [c for c in range(C) if not weight[c, c].any()]
    if empty:
        return failed(f"{message}\n  likely cause: the filter weight[c, c] is all zero for channel"
                      f"{'s' if len(empty) > 1 else ''} {', '.join(map(str, empty))}, so that channel comes out as "
                      "0; every channel needs its own 1 (does a loop skip channel 0?)", "missing_channel")
    if any(weight[c, c, 1, 1] != 1 and np.count_nonzero(weight[c, c]) == 1 for c in range(C)):
        return failed(f"{message}\n  likely cause: the single 1 of each diagonal filter belongs at the centre "
                      "(1, 1); elsewhere it shifts the image", "off_centre")
    return failed(message)


@check("2.2", 3, tag=("convolutions",))
def identity_conv_filter(ctx: Context) -> Outcome:
    """identity_conv_filter makes Conv2d(C, C, 3, padding=1) the identity"""
    return first_failure(_filter_case(ctx, C) for C in (1, 3, 8))


NIN_OUTPUTS = ("out1", "out2", "out3")


def _support(x: torch.Tensor) -> list[tuple[int, int]]:
    return sorted((int(j), int(k)) for j, k in torch.nonzero(x[0].abs().sum(0)))


@expected
def _nin_supports() -> dict[str, dict]:
    """Where each block's output of the reference NiN is nonzero for the one-hot input, with every weight
    positive (so that whatever can be nonzero is), and where it is before the block's pool; its map size."""
    net = REF.NiN().eval()
    supports, x = {}, REF.one_hot_input()
    with torch.no_grad():
        for parameter in net.parameters():
            parameter.copy_(parameter.abs() + 0.01)
        for name, block in zip(NIN_OUTPUTS, (net.block1, net.block2, net.block3)):
            pools = [i for i, layer in enumerate(block) if isinstance(layer, (nn.MaxPool2d, nn.AvgPool2d))]
            before = _support(block[:pools[0]](x)) if pools else None
            x = block(x)
            supports[name] = {"positions": _support(x), "before_pool": before, "size": x.shape[-1]}
    return supports


def _positions(value: object) -> set[tuple[int, int]] | None:
    """The student's answer as a set of (j, k) pairs of ints; None if it is not a collection of pairs."""
    items = value.tolist() if isinstance(value, np.ndarray) else value
    if not isinstance(items, (set, frozenset, list, tuple)):
        return None
    pairs = set()
    for item in items:
        if not isinstance(item, (list, tuple)) or len(item) != 2:
            return None
        pair = tuple(v.item() if isinstance(v, np.ndarray) and v.ndim == 0 else v for v in item)
        if not all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in pair):
            return None
        pairs.add((int(pair[0]), int(pair[1])))
    return pairs


def _describe_positions(pairs: set[tuple[int, int]]) -> str:
    """``j, k in {2..6}`` for a square block of positions, else the first few pairs."""
    rows, cols = sorted({j for j, _ in pairs}), sorted({k for _, k in pairs})
    spans = [f"{{{v[0]}..{v[-1]}}}" if len(v) > 1 else f"{{{v[0]}}}" for v in (rows, cols)]
    if pairs and len(pairs) == len(rows) * len(cols) and rows[-1] - rows[0] == len(rows) - 1 \
            and cols[-1] - cols[0] == len(cols) - 1:
        return f"j, k in {spans[0]}" if rows == cols else f"j in {spans[0]}, k in {spans[1]}"
    shown = ", ".join(map(str, sorted(pairs)[:6]))
    return f"{len(pairs)} positions: {shown}{', ...' if len(pairs) > 6 else ''}"


def _nin_case(ctx: Context, name: str, stage: dict) -> Outcome:
    got = _positions(ctx.call("nin_nonzero", name).value)
    if got is None:
        return failed(f"nin_nonzero({name!r}) should return a set of (j, k) pairs of ints", "wrong_type")
    want = set(map(tuple, stage["positions"]))
    if got == want:
        return passed()
    message = (f"nin_nonzero({name!r}) gives {_describe_positions(got) if got else 'no position'}; "
               f"{name} can be nonzero at {_describe_positions(want)}")
    shifts = [d for d in (-2, -1, 1, 2) if {(j - d, k - d) for j, k in got} == want]
    edge = stage["size"] - 1
    if shifts == [1]:
        return failed(f"{message}\n  likely cause: 1-based positions; they are 0-based, as the input's 1 at "
                      "j = k = 19", "one_based")
    if shifts:
        return failed(f"{message}\n  likely cause: the right block shifted by {shifts[0]}: a convolution that "
                      "keeps the size (5x5 with padding 2, 3x3 with padding 1) widens the support equally on "
                      "both sides", "shifted")
    if stage["before_pool"] is not None and got == set(map(tuple, stage["before_pool"])):
        return failed(f"{message}\n  likely cause: these are the positions before the block's 3x3 pool of "
                      "stride 2; the block's output is after it", "before_pool")
    if got == {(j, k) for j, k in want if max(j, k) < edge}:
        return failed(f"{message}\n  likely cause: {name} is {edge + 1}x{edge + 1}: the pools use "
                      f"ceil_mode=True (32 -> 16 -> 8), so position {edge} exists", "floor_pool")
    return failed(message)


@check("2.3", 3, visible="after_published", tag=("convolutions",), partial_credit=True)
def nin_nonzero(ctx: Context) -> Outcome:
    """nin_nonzero: where out1, out2 and out3 of NiN can be nonzero for the one-hot input"""
    supports = _nin_supports()  # one run of the reference NiN serves the three outputs
    return share_of_cases([(name, _nin_case(ctx, name, supports[name])) for name in NIN_OUTPUTS])


@check("2.4", 1, visible="after_published", tag=("convolutions",))
def nin_shift(ctx: Context) -> Outcome:
    """NIN_SHIFT_EXACT"""
    return truth_value("NIN_SHIFT_EXACT", ctx.value("NIN_SHIFT_EXACT").value, REF.NIN_SHIFT_EXACT,
                       "a shift of 4 is a multiple of the total stride (2 x 2), so the pools alone would allow it, "
                       "but the zero padding at the border and the last pooling window, which ceil_mode clips at "
                       "the edge, see different pixels once the image moves, so the outputs differ")


def _parameter_name(name: object) -> str | None:
    """A parameter's name as written in any of the usual ways: ``b_L``, ``bL``, ``b_{L}``, ``$b_L$``."""
    return re.sub(r"[\s_{}$]", "", name) if isinstance(name, str) else None


@check("3.1", 2, visible="after_published", tag=("initialisation",))
def zero_init_moving(ctx: Context) -> Outcome:
    """ZERO_INIT_MOVING"""
    got = ctx.value("ZERO_INIT_MOVING").value
    got = [got] if isinstance(got, str) else got  # one name alone: the set of that name
    if not isinstance(got, (set, frozenset, list, tuple)) or any(_parameter_name(n) is None for n in got):
        return failed(f"ZERO_INIT_MOVING should be a set of names such as 'b_L', got {describe(got)}", "wrong_type")
    names = {_parameter_name(n) for n in got}
    expected = {_parameter_name(n) for n in REF.ZERO_INIT_MOVING}
    if names == expected:
        return passed()
    message = f"ZERO_INIT_MOVING = {sorted(got)} is not right"
    if names == expected | {"AL"}:
        return failed(f"{message}\n  likely cause: A_L's gradient is the residual times the last hidden output, "
                      "which is tanh(0) = 0, so A_L never moves", "a_l_moves")
    return failed(f"{message}: with all parameters zero, every hidden output is tanh(0) = 0 and every gradient "
                  "through a hidden layer vanishes", "wrong_value")


@check("3.2", 2, tag=("initialisation",))
def zero_init_limit(ctx: Context) -> Outcome:
    """zero_init_limit is where b_L converges"""
    Y = ctx.rng(32).standard_normal(17) + 0.7
    return close_number("zero_init_limit(Y) for 17 targets", ctx.call("zero_init_limit", Y), REF.zero_init_limit(Y),
                        known=[(("that is the sum; the minimiser of 1/2 sum_i (b - Y_i)^2 is the mean", "sum"),
                                Y.sum)])


@check("4.1", 1, visible="after_published", tag=("initialisation",))
def he_x_squared(ctx: Context) -> Outcome:
    """HE_X_SQUARED is E[x_j^2]"""
    return formula("HE_X_SQUARED", ctx.value("HE_X_SQUARED").value, REF.HE_X_SQUARED,
                   known={"1": ("ReLU keeps only the positive half of the symmetric y, so E[x^2] = E[y^2]/2",
                                "no_half")})


@check("4.2", 2, visible="after_published", tag=("initialisation",))
def he_yplus_squared(ctx: Context) -> Outcome:
    """HE_YPLUS_SQUARED is E[(y+_i)^2]"""
    symbols = Symbols(("n_in", "sigma_A"))
    return formula("HE_YPLUS_SQUARED", ctx.value("HE_YPLUS_SQUARED").value, REF.HE_YPLUS_SQUARED, symbols,
                   known={"n_in*sigma_A^2": ("E[x_j^2] = 1/2, not 1: the ReLU halves the second moment", "no_half")})
