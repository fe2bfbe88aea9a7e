"""hw6 checks: dropout, initialisation, residual networks, ResNeXt, double descent.

Expected values come from the reference run here on the same seeded inputs;
the only fixed numbers are those COURSE.md gives.
"""
from __future__ import annotations

import itertools
import re
from typing import Callable

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from ..ahead import Call
from ..answers import exact_count, formula, truth_value
from ..compare import WrongType, describe, float32_rounding, matches, mismatch
from ..context import Context, Opaque, Returned, StudentFailure, callable_ref
from ..fixtures import expected
from ..numeric import Known, close_array, close_number, difference, leaves_inputs, named
from ..policy import AUTOGRAD, INVERSE, Forbidden
from ..spec import (Outcome, check, failed, first_cause, first_failure, passed, share_of_cases, with_cause,
                    with_note)
from . import load_reference

REF = load_reference("hw6")

# --------------------------------------------------------------------------- 1. dropout

DROPOUT_WHY = {
    True: "dropout multiplies each entry by c = 0 or c = 1/(1-p), both >= 0, and {act}(c z) = c {act}(z) for "
          "c >= 0, so the two maps are exactly equal for the same mask, not only in expectation",
    False: "sigmoid(c z) != c sigmoid(z): a dropped entry gives sigmoid(0) = 1/2 when dropout comes first, "
           "but 0 when it comes after, so the maps differ",
}


def _dropout(ctx: Context, act: str) -> Outcome:
    answers = ctx.value("DROPOUT_COMMUTES").value
    if not isinstance(answers, dict):
        return failed(f"DROPOUT_COMMUTES should be a dict with keys 'ReLU', 'Sigmoid', 'LeakyReLU'; "
                      f"got {describe(answers)}", "wrong_type")
    # the key as written in any case, with or without spaces, "_" or "-" ('leaky_relu' for 'LeakyReLU')
    spelled = [key for key in answers if isinstance(key, str) and re.sub(r"[\s_-]", "", key).lower() == act.lower()]
    key = act if act in answers else spelled[0] if len(spelled) == 1 else None
    if key is None:
        return failed(f"DROPOUT_COMMUTES has no key {act!r} (its keys: {sorted(map(str, answers))})", "missing")
    expected = REF.DROPOUT_COMMUTES[act]
    outcome = truth_value(f"DROPOUT_COMMUTES[{key!r}]", answers[key], expected, DROPOUT_WHY[expected].format(act=act))
    return with_note(outcome, f"read the key {key!r} as {act!r}" if key != act else "")


@check("1.1", 1, visible="after_published", tag=("dropout",))
def dropout_relu(ctx: Context) -> Outcome:
    """DROPOUT_COMMUTES['ReLU']"""
    return _dropout(ctx, "ReLU")


@check("1.2", 1, visible="after_published", tag=("dropout",))
def dropout_sigmoid(ctx: Context) -> Outcome:
    """DROPOUT_COMMUTES['Sigmoid']"""
    return _dropout(ctx, "Sigmoid")


@check("1.3", 1, visible="after_published", tag=("dropout",))
def dropout_leaky_relu(ctx: Context) -> Outcome:
    """DROPOUT_COMMUTES['LeakyReLU']"""
    return _dropout(ctx, "LeakyReLU")


# --------------------------------------------------------------------------- 2. initialisation

@check("2.1", 2, visible="after_published", tag=("initialisation",))
def output_mean(ctx: Context) -> Outcome:
    """OUTPUT_MEAN is E[y_L]"""
    return formula("OUTPUT_MEAN", ctx.value("OUTPUT_MEAN").value, REF.OUTPUT_MEAN)


def _variance(ctx: Context, widths: list[int], known: Known = ()) -> Outcome:
    return close_number(f"output_variance({widths})", ctx.call("output_variance", list(widths)),
                        REF.output_variance(widths), known=known,
                        expected_text="the sum of n terms Var(A_ij) Var(y_j), plus Var(b_i), layer by layer")


@check("2.2", 1, tag=("initialisation",))
def output_variance_one_layer(ctx: Context) -> Outcome:
    """output_variance for a single layer"""
    return first_failure(_variance(ctx, [n]) for n in (1, 4, 64))


PRODUCT_FORMULA = ("the product of (n+1)/(3n) over the layers is right only for one layer; the bias variance is "
                   "added at each layer, so v_l = (v_{l-1} + 1/n_{l-1}) / 3", "product_formula")


@check("2.3", 3, tag=("initialisation",))
def output_variance_deep(ctx: Context) -> Outcome:
    """output_variance for 2 to 6 layers of random widths"""
    rng = ctx.rng(23)
    widths = ([int(n) for n in rng.integers(1, 513, size=depth)] for depth in range(2, 7))
    return first_failure(_variance(ctx, w, [(PRODUCT_FORMULA, lambda w=w: np.prod([(n + 1) / (3 * n) for n in w]))])
                         for w in widths)


# --------------------------------------------------------------------------- 3. residual networks

def _tanh_prime(z: torch.Tensor) -> torch.Tensor:
    return 1 - torch.tanh(z) ** 2


BY_THE_FORMULAS = "the handout asks for these gradients by the formulas from class, not by automatic differentiation"


@check("3.1", 3, tag=("residual",), forbid=Forbidden(("residual_jacobian",), AUTOGRAD, BY_THE_FORMULAS))
def residual_jacobian(ctx: Context) -> Outcome:
    """residual_jacobian matches autograd"""
    rng = ctx.rng(31)

    def case(m: int) -> Outcome:
        A, b, y = rng.standard_normal((m, m)), rng.standard_normal(m), rng.standard_normal(m)
        expected = torch.autograd.functional.jacobian(
            lambda v: torch.tanh(torch.from_numpy(A) @ v + torch.from_numpy(b)) + v, torch.from_numpy(y)).numpy()
        return close_array(f"residual_jacobian(A of shape {A.shape}, b, y, tanh_prime)",
                           ctx.call("residual_jacobian", A, b, y, callable_ref("tanh_prime")), expected,
                           rtol=1e-7, atol=1e-10, against="autograd",
                           known=named(JACOBIAN_MISTAKES, lambda: _jacobian_mistakes(A, b, y)))
    return first_failure(map(case, (3, 5, 8)))


JACOBIAN_MISTAKES = {
    "ones": ("your Jacobian adds the all-ones matrix; the derivative of y_{l-1} with respect to itself is the "
             "identity I", "ones_not_identity"),
    "no_identity": ("your Jacobian misses the skip connection's identity term I", "missing_identity"),
    "columns": ("your Jacobian scales the columns of A (sigma_prime(z) * A broadcasts along rows); "
                "diag(sigma_prime(z)) @ A scales its rows", "columns_scaled"),
    "transposed": ("your Jacobian is transposed: entry (i, j) is d y_l[i] / d y_{l-1}[j], so row i belongs to "
                   "output i: diag(sigma_prime(z)) @ A + I, not A.T @ diag(sigma_prime(z)) + I", "transposed"),
}


@expected  # the known mistakes' Jacobians: recorded for the bundle, whose checks never ship the formula
def _jacobian_mistakes(A: np.ndarray, b: np.ndarray, y: np.ndarray) -> dict[str, np.ndarray]:
    slopes, m = 1 - np.tanh(A @ y + b) ** 2, A.shape[0]
    return {"ones": np.diag(slopes) @ A + np.ones((m, m)), "no_identity": np.diag(slopes) @ A,
            "columns": slopes * A + np.eye(m), "transposed": A.T @ np.diag(slopes) + np.eye(m)}


def _residual_grads_autograd(As: list, bs: list, x: np.ndarray, sigma: Callable) -> tuple[list, list]:
    As_t = [torch.tensor(A, requires_grad=True) for A in As]
    bs_t = [torch.tensor(b, requires_grad=True) for b in bs]
    y = sigma(As_t[0] @ torch.from_numpy(x) + bs_t[0])
    for A, b in zip(As_t[1:-1], bs_t[1:-1]):
        y = sigma(A @ y + b) + y
    (As_t[-1] @ y + bs_t[-1]).sum().backward()
    return [A.grad.numpy() for A in As_t], [b.grad.numpy() for b in bs_t]


@check("3.2", 6, tag=("residual",), partial_credit=True,
       forbid=Forbidden(("residual_param_grads",), AUTOGRAD, BY_THE_FORMULAS))
def residual_param_grads(ctx: Context) -> Outcome:
    """residual_param_grads matches autograd for depths 3-6, tanh and sigmoid"""
    rng = ctx.rng(32)
    outcomes = []
    for depth in range(3, 7):
        for act in ("tanh", "sigmoid"):
            width, inputs = 4, 3
            shapes = [(width, inputs)] + [(width, width)] * (depth - 2) + [(1, width)]
            As = [rng.standard_normal(s) for s in shapes]
            bs = [rng.standard_normal(s[0]) for s in shapes]
            x = rng.standard_normal(inputs)
            expected_A, expected_b = _residual_grads_autograd(As, bs, x, getattr(torch, act))
            returned = ctx.call("residual_param_grads", As, bs, x, callable_ref(act), callable_ref(f"{act}_prime"))
            got = returned.value
            rtol, atol, low = returned.tolerance(1e-6, 1e-9)
            if low:  # float32: what rounding does to this network's gradients, measured
                atol = max(atol, residual_grads_float32_atol(As, bs, x, act))
            problem = _grads_problem(got, (expected_A, expected_b), rtol, atol)
            outcome = with_cause(problem, first_cause(
                (cause, lambda mistake=mistake: _grads_problem(got, _param_grad_mistakes(As, bs, x, act)[mistake],
                                                               rtol, atol) is None)
                for mistake, cause in PARAM_GRAD_MISTAKES.items())) if problem else passed()
            outcomes.append((f"depth {depth}, sigma = {act}", outcome))
    return share_of_cases(outcomes)


PARAM_GRAD_MISTAKES = {
    "no_identity": ("the backward pass drops the skip connection's identity: through y_l = sigma(z_l) + y_{l-1} "
                    "the upstream gradient is (delta_l @ A_l) plus the upstream gradient itself", "missing_identity"),
    "plain": ("these are the gradients of a network without skip connections: the forward pass adds y_{l-1} "
              "(y_l = sigma(A_l y_{l-1} + b_l) + y_{l-1} for 1 < l < L), and the backward pass its identity",
              "no_skip"),
}
ACTIVATIONS = {"tanh": (np.tanh, lambda z: 1 - np.tanh(z) ** 2),
               "sigmoid": (lambda z: 1 / (1 + np.exp(-z)), lambda z: np.exp(-z) / (1 + np.exp(-z)) ** 2)}


@expected
def residual_grads_float32_atol(As: list, bs: list, x: np.ndarray, act: str) -> float:
    """How far the right gradients move when the network is computed in float32, times ten: a correct float32
    answer stays within it (tests/test_tolerances.py sweeps it), the known mistakes are far outside."""
    sigma, prime = ACTIVATIONS[act]
    exact = REF.residual_param_grads(As, bs, x, sigma, prime)
    rounded = REF.residual_param_grads([A.astype(np.float32) for A in As], [b.astype(np.float32) for b in bs],
                                       x.astype(np.float32), sigma, prime)
    return float32_rounding([e for part in exact for e in part], [r for part in rounded for r in part], 0.0)


def _grads_problem(got: object, grads: tuple[list, list], rtol: float, atol: float) -> str | None:
    """How a reply differs from the two lists ``(dAs, dbs)``; None where it does not."""
    if not isinstance(got, (list, tuple)) or len(got) != 2:
        return f"should return two lists (dAs, dbs), got {describe(got)}"
    return (difference(grads[0], got[0], "dAs", rtol=rtol, atol=atol, against="autograd")
            or difference(grads[1], got[1], "dbs", rtol=rtol, atol=atol, against="autograd"))


@expected  # the known mistakes' gradients: recorded for the bundle, whose checks never ship the formula
def _param_grad_mistakes(As: list, bs: list, x: np.ndarray, act: str) -> dict[str, tuple[list, list]]:
    sigma, prime = ACTIVATIONS[act]
    found = {}
    for mistake, skip_forward in (("no_identity", True), ("plain", False)):
        ys, zs = [x], []
        for layer, (A, b) in enumerate(zip(As[:-1], bs[:-1])):
            zs.append(A @ ys[-1] + b)
            ys.append(sigma(zs[-1]) + (ys[-1] if layer > 0 and skip_forward else 0.0))
        dAs, dbs = [None] * len(As), [None] * len(bs)
        dAs[-1], dbs[-1] = ys[-1][None, :], np.ones_like(bs[-1])
        upstream = As[-1][0]
        for layer in range(len(As) - 2, -1, -1):
            delta = upstream * prime(zs[layer])
            dbs[layer], dAs[layer] = delta, np.outer(delta, ys[layer])
            upstream = delta @ As[layer]
        found[mistake] = (dAs, dbs)
    return found


# --------------------------------------------------------------------------- 4. parameter counts

def _conv_counts(module: nn.Module) -> tuple[int, int]:
    """(weights, biases) of a module's convolutions."""
    convs = [m for m in module.modules() if isinstance(m, nn.Conv2d)]
    return sum(c.weight.numel() for c in convs), sum(c.bias.numel() for c in convs if c.bias is not None)


PLAIN_BLOCK = nn.Sequential(nn.Conv2d(256, 128, 1), nn.Conv2d(128, 128, 3, padding=1), nn.Conv2d(128, 256, 1))


@expected
def _stm_counts() -> tuple[int, int, int]:
    """The reference block's convolution weights, biases, and biases of the convolutions into 256 channels."""
    block = REF.STMConvLayer()
    weights, biases = _conv_counts(block)
    return weights, biases, sum(m.bias.numel() for m in block.modules()
                                if isinstance(m, nn.Conv2d) and m.out_channels == 256)


STM_WEIGHTS, STM_BIASES, STM_OUTPUT_BIASES = _stm_counts()


@expected
def _stm_parameter_shapes() -> list[list[int]]:
    """The shapes of the reference block's parameters, sorted: 96 weights and their biases."""
    return sorted(list(p.shape) for p in REF.STMConvLayer().parameters())


STM_PARAMETER_SHAPES = _stm_parameter_shapes()


@check("4.1", 2, visible="after_published", tag=("resnext",))
def params_plain(ctx: Context) -> Outcome:
    """PARAMS_PLAIN counts the plain bottleneck block"""
    weights, _ = _conv_counts(PLAIN_BLOCK)
    return exact_count("PARAMS_PLAIN", ctx.value("PARAMS_PLAIN").value, REF.PARAMS_PLAIN,
                       {weights: ("the biases are left out; each convolution has one bias per output channel",
                                  "forgot_biases")})


@check("4.2", 2, visible="after_published", tag=("resnext",))
def params_stm(ctx: Context) -> Outcome:
    """PARAMS_STM counts the 32-branch block"""
    grouped = STM_WEIGHTS + STM_BIASES - STM_OUTPUT_BIASES + 256
    return exact_count("PARAMS_STM", ctx.value("PARAMS_STM").value, REF.PARAMS_STM, {
        STM_WEIGHTS: ("the biases are left out; each of the 96 convolutions has its own biases", "forgot_biases"),
        grouped: ("this counts the grouped-convolution form, where the 32 branches share one output bias; "
                  "the branches here are separate, each with its own 256 output biases", "grouped_form")})


# --------------------------------------------------------------------------- 5. STMConvLayer

STM_INPUT_SHAPE = (2, 256, 8, 8)
RELU_MODULE = ("nn.ReLU(x) builds a ReLU module (with x as its 'inplace' flag) instead of applying ReLU; "
               "use nn.ReLU()(x), torch.relu(x) or a ReLU module created in __init__")


def _stm_input(ctx: Context) -> torch.Tensor:
    return torch.from_numpy(ctx.rng(5).standard_normal(STM_INPUT_SHAPE).astype(np.float32))


def _relu_class_hint(text: str, structure: dict) -> str | None:
    if "is not a Module subclass" in text and "ReLU" in text:
        return "nn.ReLU was passed without (): nn.Sequential needs module objects, nn.ReLU()"
    if structure.get("class_attributes"):
        return (f"attribute {structure['class_attributes'][0]!r} holds the class nn.ReLU, not a module; "
                "write nn.ReLU() to create one")
    if "got (ReLU" in text:
        return RELU_MODULE
    return None


def _named(failure: StudentFailure) -> StudentFailure:
    """The same failure, with the nn.ReLU mistake named when its error message shows one."""
    hint = _relu_class_hint(failure.message, {})
    if hint is None:
        return failure
    return StudentFailure("relu_class" if hint.startswith("nn.ReLU was passed") else "relu_module",
                          f"{failure.message}\n  likely cause: {hint}")


def _structure(ctx: Context) -> dict:
    try:
        return ctx.module("STMConvLayer")
    except StudentFailure as failure:
        raise _named(failure) from None


def _grader_weights(ctx: Context, structure: dict, salt: int) -> dict[str, np.ndarray] | None:
    """Weights the grader draws for the student's parameters, by their shapes in order (names do not
    matter, so the same structure gets the same weights); None for a structure far from the block's."""
    if not structure["is_module"] or structure["num_parameters"] > 4 * (STM_WEIGHTS + STM_BIASES):
        return None
    return ctx.weights(salt, structure["parameters"], scale=0.1)


def _forward(ctx: Context, salt: int = 53) -> tuple[dict, dict[str, np.ndarray] | None]:
    """The block run with the grader's weights on the check input, and those weights.

    The student's own initial weights are never what is compared: NaN or
    zero weights would make any block agree with the reference.
    """
    state = _grader_weights(ctx, _structure(ctx), salt)
    try:
        return ctx.forward("STMConvLayer", [_stm_input(ctx)], state=state).value, state
    except StudentFailure as failure:
        raise _named(failure) from None


@check("5.1", 3, tag=("STMConvLayer",))
def stm_parameter_count(ctx: Context) -> Outcome:
    """STMConvLayer registers the parameters of its 96 convolutions"""
    structure = _structure(ctx)
    if not structure["is_module"]:
        return failed(f"STMConvLayer() built a {structure['type']}, not an nn.Module", "wrong_type")
    count = structure["num_parameters"]
    shapes = sorted(shape for _, shape in structure["parameters"])
    if count == STM_WEIGHTS + STM_BIASES and _stm_computes_the_block(ctx):
        return passed()  # the convolutions themselves, or another layout, verified by what it computes (5.3)
    if shapes == STM_PARAMETER_SHAPES:
        # what the worker lists is its word; registered parameters are the ones forward uses
        unused = _unused_parameters(ctx)
        return passed() if unused is None else failed(
            f"STMConvLayer lists parameters of the right shapes, but {unused}", "unused_parameters")
    message = (f"STMConvLayer() registered {count} parameters in {len(structure['convs'])} convolutions; expected "
               "96 convolutions (32 branches of Conv2d(256, 4, 1), Conv2d(4, 4, 3), Conv2d(4, 256, 1)), each "
               "with its bias")
    if count == 0 and structure["list_attributes"]:
        return failed(f"{message}\n  likely cause: 0 parameters registered: the layers are kept in a Python list "
                      f"(attribute {structure['list_attributes'][0]!r}), so PyTorch does not see them and an "
                      "optimizer would not train them; use nn.ModuleList", "python_list")
    if count == STM_WEIGHTS:
        return failed(f"{message}\n  likely cause: the convolutions have no bias (bias=False)", "no_bias")
    if count * 32 == STM_WEIGHTS + STM_BIASES:
        return failed(f"{message}\n  likely cause: exactly one branch's parameters: one branch module repeated 32 "
                      "times ([branch] * 32 puts the same module in every place); build 32 of them, e.g. "
                      "nn.ModuleList([make_branch() for _ in range(32)])", "repeated_branch")
    hint = _relu_class_hint("", structure)
    return with_cause(message, hint and (hint, "wrong_count"), "wrong_count")


def _unused_parameters(ctx: Context) -> str | None:
    """None when the block's output changes as other grader weights are loaded into its parameters; else why
    that could not be seen."""
    outputs = [_forward(ctx, salt)[0].get("output") for salt in (53, 54)]
    if not all(isinstance(o, np.ndarray) for o in outputs):
        return ("forward did not return a tensor (see check 5.2), so the grader could not see it use them: "
                "registered parameters count once forward computes with them")
    if outputs[0].shape == outputs[1].shape and np.array_equal(*outputs):
        return ("its output stays the same when the grader loads other weights into them: forward does not use "
                "the parameters it registers")
    return None


def _entrywise_affine(x: np.ndarray, out: np.ndarray) -> bool:
    """Whether ``out`` is a * x + b with the same a and b for every entry (2 * x passes no shape check)."""
    design = np.stack([x.ravel().astype(float), np.ones(x.size)], axis=1)
    fit, *_ = np.linalg.lstsq(design, out.ravel().astype(float), rcond=None)
    return bool(np.allclose(design @ fit, out.ravel(), rtol=1e-5, atol=1e-6))


@check("5.2", 2, tag=("STMConvLayer",))
def stm_output_shape(ctx: Context) -> Outcome:
    """STMConvLayer maps (N, 256, H, W) to (N, 256, H, W)"""
    out = _forward(ctx)[0].get("output")
    if isinstance(out, Opaque):
        cause = RELU_MODULE if out.type_name == "ReLU" else "forward must return the summed tensor"
        return failed(f"forward returned an object of type {out.type_name}, not a tensor\n  likely cause: {cause}",
                      "relu_module" if out.type_name == "ReLU" else "wrong_type")
    if not isinstance(out, np.ndarray):
        return failed(f"forward returned {describe(out)}, not a tensor", "wrong_type")
    if out.shape == STM_INPUT_SHAPE:
        x = _stm_input(ctx).numpy()
        if np.array_equal(out, x):
            return failed("forward returns its input unchanged; the block must transform it", "identity")
        if not np.ptp(out) > 0:
            return failed("forward returns the same value everywhere; the block must transform its input",
                          "constant")
        if _entrywise_affine(x, out):
            return failed("forward returns a * input + b, entry by entry: no convolution mixes the channels or "
                          "the pixels, as the block's must", "affine")
        return passed()
    message = f"for an input of shape {STM_INPUT_SHAPE}, forward returned shape {out.shape}"
    if out.ndim == 4 and out.shape[2] < STM_INPUT_SHAPE[2]:
        return failed(f"{message}\n  likely cause: the spatial size shrank by {STM_INPUT_SHAPE[2] - out.shape[2]}: "
                      "the 3x3 convolution needs padding=1", "missing_padding")
    return failed(message, "wrong_shape")


STAGE_WEIGHTS = ((4, 256, 1, 1), (4, 4, 3, 3), (256, 4, 1, 1))  # each branch's three convolutions


MAX_LAYOUTS = 64  # readings of a state tried by replay


def _readings(value: np.ndarray, shape: tuple[int, ...]) -> list[list[np.ndarray]]:
    """Every way to read ``value`` as 1 or 32 copies of ``shape``.

    A copy may be stored as it is, 32 stacked along a new axis (first or
    anywhere), or 32 blocks along its first axis (a grouped convolution's
    layout), with its size-1 axes dropped or others added (a 1x1 kernel kept
    as a matrix, a bias shaped to broadcast); a 1x1 kernel may also be
    stored transposed, as (in, out) for ``x @ W`` or einsum.
    """
    value = np.asarray(value)
    core = tuple(d for d in shape if d != 1)
    squeezed = value.reshape([d for d in value.shape if d != 1])
    kernel_kept = value.ndim >= len(shape) and value.shape[-2:] == shape[-2:] == (1, 1)  # used as a convolution's
    forms = [core] + ([core[::-1]] if len(core) == 2 and not kernel_kept else [])
    found = []
    for transposed, form in enumerate(forms):
        if squeezed.shape == form:
            copies = squeezed[None]
        elif squeezed.shape == (32 * form[0], *form[1:]):
            copies = squeezed.reshape(32, *form)
        elif squeezed.ndim == len(form) + 1 and squeezed.shape.count(32) == 1 and \
                tuple(d for d in squeezed.shape if d != 32) == form:
            copies = np.moveaxis(squeezed, squeezed.shape.index(32), 0)
        elif len(form) == 2 and squeezed.shape == (form[0], 32 * form[1]):  # blocks along the second axis
            copies = squeezed.reshape(form[0], 32, form[1]).transpose(1, 0, 2)
        else:
            continue
        if transposed:
            copies = copies.transpose(0, 2, 1)
        found.append([c.reshape(shape) for c in copies])
    return found


def _layouts(state: dict) -> list[list[list[tuple[np.ndarray, np.ndarray | None]]]] | str:
    """The student's weights read as 32 branches of (weight, bias) for the three convolutions, in every way
    the parameters' shapes allow (at most MAX_LAYOUTS); the replay tells which one, if any, the block uses.

    Weights are taken in order: one convolution's, or 32 of them stacked or
    grouped, as a convolution or a matrix (transposed or not). A weight's
    bias is its ``*bias`` sibling; biases registered apart are taken in
    order (4 channels: the first stage's, then the second's; 256: the
    third's). A shape that reads two ways (a (4, 256) matrix: the first
    stage's weight, or the third's transposed) is tried both ways, per
    parameter where there are few such parameters, else per shape.
    """
    options: dict[str, list[tuple[int, list[np.ndarray]]]] = {}
    for name, value in state.items():
        options[name] = [(stage, copies) for stage, shape in enumerate(STAGE_WEIGHTS)
                         for copies in _readings(value, shape)]
    weights = [name for name, found in options.items() if found]
    ambiguous = [name for name in weights if len(options[name]) > 1]
    per_parameter = len(ambiguous) <= 6
    key_of = (lambda name: name) if per_parameter else (lambda name: np.shape(state[name]))
    keys = ambiguous if per_parameter else sorted({key_of(name) for name in ambiguous})
    layouts, problem = [], ""
    for choice in itertools.islice(itertools.product(*(range(2) for _ in keys)), MAX_LAYOUTS):
        picked = dict(zip(keys, choice))
        read = {name: options[name][picked.get(key_of(name), 0) if name in ambiguous else 0] for name in weights}
        layout = _assemble(state, read)
        if isinstance(layout, str):
            problem = problem or layout
        else:
            layouts.append(layout)
    return layouts or problem or "no parameter has the shape of a convolution's weight"


def _assemble(state: dict, read: dict[str, tuple[int, list[np.ndarray]]]) \
        -> list[list[tuple[np.ndarray, np.ndarray | None]]] | str:
    """32 branches from weights read by stage, with their biases; or why they do not make 32 branches."""
    stages: list[list[np.ndarray]] = [[], [], []]
    biases: list[list[np.ndarray | None]] = [[], [], []]
    paired = set()
    for name, (stage, copies) in read.items():
        sibling = name[: -len("weight")] + "bias" if name.endswith("weight") else None
        bias = next((b for b in _readings(state[sibling], (STAGE_WEIGHTS[stage][0],)) if len(b) == len(copies)),
                    None) if sibling in state else None
        if bias is not None:
            paired.add(sibling)
        stages[stage] += copies
        biases[stage] += bias if bias is not None else [None] * len(copies)
    loose: dict[int, list[np.ndarray]] = {4: [], 256: []}
    for name, value in state.items():
        if name in paired or name in read:
            continue
        for width in (256, 4):
            chunks = _readings(value, (width,))
            if chunks:
                loose[width] += chunks[0]
                break
    for stage, width in ((0, 4), (1, 4), (2, 256)):
        if loose[width] and all(b is None for b in biases[stage]):
            biases[stage], loose[width] = loose[width][:32], loose[width][32:]
    if any(len(found) != 32 for found in stages):
        counts = ", ".join(f"{len(found)} of shape {shape}" for found, shape in zip(stages, STAGE_WEIGHTS))
        return f"expected 32 convolutions of each shape, found {counts}"
    if any(len(b) != 32 for b in biases):
        return "the biases do not come in 32 per convolution"
    return [[(stages[k][b], biases[k][b]) for k in range(3)] for b in range(32)]


def _reference_block(branches: list) -> tuple[nn.Module, list[nn.Conv2d]]:
    """The reference block with the given weights (a bias left out is zero), and its convolutions in order."""
    model = REF.STMConvLayer()
    convs = [m for m in model.modules() if isinstance(m, nn.Conv2d)]
    with torch.no_grad():
        for conv, (weight, bias) in zip(convs, (c for branch in branches for c in branch)):
            weight, bias = _tensors(weight, bias)
            conv.weight.copy_(weight)
            conv.bias.copy_(bias if bias is not None else torch.zeros_like(conv.bias))
    return model, convs


@expected
def _reference_output(branches: list, x: torch.Tensor) -> np.ndarray:
    """The reference block run on ``x`` with the given weights."""
    model, _ = _reference_block(branches)
    with torch.no_grad():
        return model(x).numpy()


@expected
def _reference_slope(branches: list, directions: list, x: torch.Tensor) -> tuple[float, float]:
    """How fast the sum of the reference block's output changes as its weights move along ``directions``
    (laid out as ``branches``), by autograd; and the sum of |gradient| |direction|, which bounds its rounding."""
    model, convs = _reference_block(branches)
    model(x).sum().backward()
    slope = scale = 0.0
    for conv, pair in zip(convs, (c for branch in directions for c in branch)):
        for grad, direction in zip((conv.weight.grad, conv.bias.grad), pair):
            if direction is not None:  # a bias the block leaves out does not move
                grad, direction = grad.double().numpy().ravel(), np.asarray(direction, dtype=float).ravel()
                slope, scale = slope + float(grad @ direction), scale + float(np.abs(grad) @ np.abs(direction))
    return slope, scale


def _stm_output(ctx: Context) -> Outcome:
    """Whether the block computes the required map (5.3)."""
    return ctx.once(_replay)[0]


def _replay(ctx: Context) -> tuple[Outcome, int | None]:
    """The block's output with the grader's weights against the reference's with the same weights, mapped
    branch by branch; and which of the layouts of its weights (_layouts) it computes with, if any."""
    report, state = _forward(ctx)
    out = report.get("output")
    if not isinstance(out, np.ndarray) or out.shape != STM_INPUT_SHAPE:
        return failed(f"needs an output of shape {STM_INPUT_SHAPE} (see check 5.2), got {describe(out)}",
                      "wrong_shape"), None
    if not state:
        return failed("STMConvLayer registers no parameters (see check 5.1), so its output cannot be replayed "
                      "through the reference", "python_list" if report["list_attributes"] else "wrong_count"), None
    layouts = _layouts(state)
    if isinstance(layouts, str):
        if _plausible_block(ctx, report):
            return failed(f"could not be checked automatically: your parameters could not be matched to 32 "
                          f"branches of three convolutions ({layouts}); the parameter count and the output's "
                          "shape look right, so this check is flagged for the course staff to check by hand, and "
                          "its points are given only if they find the block correct", "needs_review"), None
        return failed(f"could not match your parameters to 32 branches of three convolutions: {layouts}",
                      "unmatched_structure"), None
    x = _stm_input(ctx)
    matched = next((i for i, branches in enumerate(layouts)
                    if matches(_reference_output(branches, x), out, rtol=1e-4, atol=1e-5)), None)
    if matched is not None:
        return passed(), matched
    problem = mismatch(_reference_output(layouts[0], x), out, rtol=1e-4, atol=1e-5)
    message = f"output differs from the reference run with the same weights:\n{problem}"
    for variant, (cause, code) in BLOCK_MISTAKES.items():
        if any(matches(_block_with(variant, branches, x), out, rtol=1e-4, atol=1e-5) for branches in layouts):
            return failed(f"{message}\n  likely cause: {cause}", code), None
    return failed(message, "wrong_output"), None


BLOCK_MISTAKES = {
    "ReLU after the sum": ("a ReLU after the sum instead of at the end of each branch; each branch ends with ReLU "
                           "and the sum has none", "relu_after_sum"),
    "no last ReLU": ("the branches end without their last ReLU; each branch is Conv2d, ReLU, Conv2d, ReLU, "
                     "Conv2d, ReLU before the sum", "missing_branch_relu"),
}


def _plausible_block(ctx: Context, report: dict) -> bool:
    """A layout the replay cannot map that still looks like the block: the right count, an output that
    transforms its input, and a gradient for every parameter."""
    out = report.get("output")
    return (report["num_parameters"] == STM_WEIGHTS + STM_BIASES and isinstance(out, np.ndarray)
            and not np.array_equal(out, _stm_input(ctx).numpy()) and np.ptp(out) > 0
            and bool(report.get("grads")) and all(g == "ok" for g in report["grads"].values()))


def _stm_computes_the_block(ctx: Context) -> bool:
    """Whether 5.3 found the required map, not merely flagged the block for staff."""
    outcome = _stm_output(ctx)
    return outcome.fraction == 1 and outcome.diagnosis != "needs_review"


@check("5.3", 4, tag=("STMConvLayer",))
def stm_output_values(ctx: Context) -> Outcome:
    """STMConvLayer's output equals the reference given the same weights"""
    return _stm_output(ctx)


@expected
def _block_with(mistake: str, branches: list, x: torch.Tensor) -> np.ndarray:
    """The block with a known mistake (BLOCK_MISTAKES): each branch's last ReLU moved after the sum, or left out."""
    total = torch.zeros(())
    with torch.no_grad():
        for (w1, b1), (w2, b2), (w3, b3) in branches:
            hidden = F.relu(F.conv2d(x, *_tensors(w1, b1)))
            hidden = F.relu(F.conv2d(hidden, *_tensors(w2, b2), padding=1))
            total = total + F.conv2d(hidden, *_tensors(w3, b3))
    return (F.relu(total) if mistake == "ReLU after the sum" else total).numpy()


def _tensors(weight: np.ndarray, bias: np.ndarray | None) -> tuple[torch.Tensor, torch.Tensor | None]:
    return torch.from_numpy(np.asarray(weight)), None if bias is None else torch.from_numpy(np.asarray(bias))


@check("5.4", 1, tag=("STMConvLayer",))
def stm_gradients(ctx: Context) -> Outcome:
    """every STMConvLayer parameter receives a gradient"""
    report = _forward(ctx)[0]
    grads = report.get("grads")
    if grads is None and isinstance(report.get("output"), np.ndarray):
        return failed("forward's output carries no gradient back to any parameter: it was computed without "
                      "them, or detached (.data, .detach(), .numpy() or torch.no_grad())", "detached")
    if grads is None:
        return failed("forward did not return a tensor to backpropagate (see check 5.2)", "wrong_type")
    if not grads:
        return failed("STMConvLayer registers no parameters, so none can receive a gradient (see check 5.1)",
                      "python_list")
    missing = [name for name, state in grads.items() if state != "ok"]
    if not missing:
        if not _stm_computes_the_block(ctx):
            return failed("every parameter receives a gradient, but the output is not the block's (see check "
                          "5.3); this check counts for a block that computes the required map", "wrong_output")
        return _gradient_values(ctx, ctx.once(_replay)[1])
    return failed(f"{len(missing)} of {len(grads)} parameters received no (or an all-zero) gradient from the "
                  f"sum of the output, e.g. {', '.join(missing[:3])}: are they used in forward?", "unused_parameters")


# of sum |gradient| |direction|: correct float32 blocks in any layout err by 1e-9 of it at most, a gradient
# scaled by 2 by 1e-4 at least (tests/test_tolerances.py sweeps both)
SLOPE_RTOL = 1e-6


def _gradient_values(ctx: Context, layout: int) -> Outcome:
    """The gradients the block's backward pass gave, against the reference's: along two directions the grader
    draws in the space of the student's parameters (so no layout need be inverted), the change they predict
    in the output's sum must be the reference's."""
    report, state = _forward(ctx)
    gradients, x = report["gradients"], _stm_input(ctx)
    for salt in (55, 56):
        direction = ctx.weights(salt, [(name, value.shape) for name, value in state.items()])
        expected, scale = _reference_slope(_layouts(state)[layout], _layouts(direction)[layout], x)
        got = sum(float(gradients[name].astype(float).ravel() @ step.astype(float).ravel())
                  for name, step in direction.items())
        if abs(got - expected) > SLOPE_RTOL * scale:
            return failed(f"every parameter receives a gradient, but not the block's: along a direction the grader "
                          f"drew, your gradients give the output's sum a slope of {got:.6g}, the reference's "
                          f"{expected:.6g} (is a gradient scaled, clipped or changed by a hook?)", "wrong_gradients")
    return passed()


# --------------------------------------------------------------------------- 6. ridge regression, double descent

def _ridge_problem(ctx: Context, salt: int, n: int, p: int) -> tuple[np.ndarray, np.ndarray, float]:
    rng = ctx.rng(salt)
    return rng.standard_normal((n, p)), rng.standard_normal(n), float(rng.uniform(0.2, 2.0))


def _solution(X: np.ndarray, y: np.ndarray, lamda: float, returned: Returned, known: Known = ()) -> Outcome:
    """solve_lsqr's values against the reference's, whatever their shape (the shape is check 6.3's business)."""
    expected = REF.solve_lsqr(X, y, lamda)
    return close_array(f"solve_lsqr(X of shape {X.shape}, y of shape {y.shape}, lamda={lamda:.3g})", returned,
                       expected, rtol=1e-6, atol=1e-10, any_shape=True, known=known,
                       float32_atol=lambda: ridge_float32_atol(X, lamda, expected))


def _solve(ctx: Context, salt: int, n: int, p: int) -> Outcome:
    X, y, lamda = _ridge_problem(ctx, salt, n, p)
    return _solution(X, y, lamda, ctx.call("solve_lsqr", X, y, lamda),
                     named(RIDGE_MISTAKES, lambda: _ridge_mistakes(X, y, lamda)))


FLOAT32_EPS = float(np.finfo(np.float32).eps)


def ridge_float32_atol(X: np.ndarray, lamda: float, expected: np.ndarray) -> float:
    """How far a correct float32 ridge solve may land from the float64 one, entry by entry: a backward-stable
    solve errs by about cond * eps * ||theta||, cond that of the system solved (X^T X + lamda I, or the dual
    X X^T + lamda I, whichever a student chose); ten times that (tests/test_tolerances.py proves it over many
    seeds and solvers; every known mistake differs by far more)."""
    n, p = X.shape
    cond = max(np.linalg.cond(X.T @ X + lamda * np.eye(p)), np.linalg.cond(X @ X.T + lamda * np.eye(n)))
    return 10.0 * float(cond) * FLOAT32_EPS * float(np.abs(expected).max())


SYSTEM = "; solve (X^T X + lamda I) theta = X^T y"
RIDGE_MISTAKES = {
    "twice": ("the penalty's gradient is lamda*theta, not 2*lamda*theta" + SYSTEM, "lamda_scale"),
    "half": ("the penalty's gradient is lamda*theta, not lamda*theta/2" + SYSTEM, "lamda_scale"),
    "none": ("the penalty lamda*I is missing from the system" + SYSTEM, "no_penalty"),
    "everywhere": ("X^T X + lamda adds lamda to every entry; the penalty is lamda times the identity, on the "
                   "diagonal only" + SYSTEM, "lamda_broadcast"),
}


@expected  # the known mistakes' solutions: recorded for the bundle, whose checks never ship a solver
def _ridge_mistakes(X: np.ndarray, y: np.ndarray, lamda: float) -> dict[str, np.ndarray]:
    gram, p = X.T @ X, X.shape[1]
    systems = {"twice": gram + 2 * lamda * np.eye(p), "half": gram + 0.5 * lamda * np.eye(p), "none": gram,
               "everywhere": gram + lamda}
    return {name: np.linalg.lstsq(system, X.T @ y, rcond=None)[0] for name, system in systems.items()}


NOT_AN_INVERSE = Forbidden(("solve_lsqr",), INVERSE, "the handout asks to solve the linear system (np.linalg.solve), "
                           "not to form an inverse: an inverse costs more and loses accuracy when X^T X + lamda I "
                           "is ill-conditioned; no points are taken for it", costs_points=False)


@check("6.1", 3, tag=("ridge",), forbid=NOT_AN_INVERSE)
def solve_lsqr_tall(ctx: Context) -> Outcome:
    """solve_lsqr with more samples than features"""
    return _solve(ctx, 61, n=50, p=8)


@check("6.2", 2, visible="after_due_date", tag=("ridge",))
def solve_lsqr_wide(ctx: Context) -> Outcome:
    """solve_lsqr with more features than samples"""
    return _solve(ctx, 62, n=20, p=60)


def _solves(X: np.ndarray, y: np.ndarray, lamda: float, returned: Returned) -> bool:
    """Whether solve_lsqr returned the right values, whatever their shape: what the structural checks build on."""
    return _solution(X, y, lamda, returned).fraction == 1.0


UNSOLVED = ("; this point counts for a solver that returns the right values, and solve_lsqr does not "
            "(see check 6.1)")


@check("6.3", 1, tag=("ridge",))
def solve_lsqr_shape(ctx: Context) -> Outcome:
    """solve_lsqr returns theta of shape (p,)"""
    X, y, lamda = _ridge_problem(ctx, 61, 50, 8)
    returned = ctx.call("solve_lsqr", X, y, lamda)
    try:
        theta, _ = returned.array()
    except WrongType as exc:
        return failed(f"solve_lsqr {exc}", "wrong_type")
    if theta.shape == (8, 1):
        return failed("theta has shape (8, 1), expected (8,)\n  likely cause: y was reshaped to a column, or "
                      "theta was built as a column vector; return a 1-D array (theta.ravel())", "column_vector")
    if theta.shape != (8,):
        return failed(f"theta has shape {theta.shape}, expected (8,)", "wrong_shape")
    if not _solves(X, y, lamda, returned):
        return failed(f"theta has the right shape{UNSOLVED}", "wrong_value")
    return passed()


@check("6.4", 1, tag=("ridge",))
def solve_lsqr_leaves_inputs(ctx: Context) -> Outcome:
    """solve_lsqr does not modify X or y"""
    X, y, lamda = _ridge_problem(ctx, 64, 30, 5)
    returned = ctx.call("solve_lsqr", X, y, lamda)
    return leaves_inputs("solve_lsqr", returned, ("X", "y", "lamda"), lambda: _solves(X, y, lamda, returned),
                         "the caller's arrays must stay as they were (use X.T @ X + lamda * np.eye(p), not X += ... "
                         "or an in-place fill)", see="6.1")


@check("6.5", 1, tag=("ridge",))
def get_error(ctx: Context) -> Outcome:
    """get_error is the residual norm"""
    rng = ctx.rng(65)
    X, y, theta = rng.standard_normal((40, 6)), rng.standard_normal(40), rng.standard_normal(6)
    residual = X @ theta - y
    known = {"the mean squared error": lambda: np.mean(residual ** 2),
             "the squared norm": lambda: np.sum(residual ** 2),
             "the root mean squared error": lambda: np.sqrt(np.mean(residual ** 2))}
    return close_number("get_error(X, y, theta)", ctx.call("get_error", X, y, theta),
                        float(REF.get_error(X, y, theta)), expected_text="||X theta - y||",
                        known=[((f"that is {label}; return the norm itself", "not_norm"), value)
                               for label, value in known.items()])


@check("6.6", 1, tag=("ridge",))
def relu(ctx: Context) -> Outcome:
    """relu on a NumPy array"""
    x = ctx.rng(66).standard_normal((5, 7))
    # exact, but for a float32 answer's rounding
    return close_array("relu(x of shape (5, 7))", ctx.call("relu", x), REF.relu(x), rtol=0.0, atol=0.0)


@check("6.7", 1, tag=("ridge",))
def random_features(ctx: Context) -> Outcome:
    """random_features is ReLU(X W^T)"""
    rng = ctx.rng(67)
    X, W = rng.standard_normal((9, 5)), rng.standard_normal((4, 5))
    return close_array("random_features(X (9, 5), W (4, 5))", ctx.call("random_features", X, W),
                       REF.random_features(X, W), rtol=1e-9, atol=1e-12,
                       known=[(("the ReLU is missing", "missing_relu"), lambda: X @ W.T)])


# past 500 the curve only keeps falling, and p = 700 alone would cost a student's code a third of a second
NUM_PARAMS = [10, 50, 100, 150, 200, 250, 275, 300, 325, 350, 400, 500]
PEAK_RANGE = (250, 400)
TUNED_CEILING = 3.0


def _ridge_all(F: np.ndarray, y: np.ndarray, lamdas: list[float]) -> list[np.ndarray]:
    """Ridge solutions for every lamda from one SVD: theta = V diag(s / (s^2 + lamda)) U^T y."""
    U, sv, Vt = np.linalg.svd(F, full_matrices=False)
    projected = U.T @ y
    return [Vt.T @ (sv / (sv ** 2 + lam) * projected) for lam in lamdas]


W_STD = {"1/sqrt(p)": lambda p: 1.0 / np.sqrt(p), "1/p": lambda p: 1.0 / p}


@expected
def _double_descent_fits(seed: int, lamda: float | None, w_std: str) -> dict[str, np.ndarray]:
    """The reference computation with one known mistake switched in, to name it when a student made it:
    the test errors with lamda chosen on the validation set and, from the same fits, on the test set.

    With ``w_std = "1/sqrt(p)"``, the ``"val"`` errors are the reference itself.
    """
    rng = np.random.default_rng(seed)
    data = REF.draw_double_descent_data(rng)
    errors: dict[str, list[float]] = {"val": [], "test": []}
    for p in NUM_PARAMS:
        W = rng.standard_normal((p, REF.DIM)) * W_STD[w_std](p)
        F = {s: REF.random_features(data[f"X_{s}"], W) for s in ("train", "val", "test")}
        thetas = _ridge_all(F["train"], data["y_train"], REF.LAMDA_GRID if lamda is None else [lamda])
        for tune_on, found in errors.items():
            best = min(thetas, key=lambda t: REF.get_error(F[tune_on], data[f"y_{tune_on}"], t))
            found.append(REF.get_error(F["test"], data["y_test"], best))
    return {tune_on: np.array(found) for tune_on, found in errors.items()}


def _double_descent_variant(seed: int, lamda: float | None, w_std: str, tune_on: str) -> np.ndarray:
    return _double_descent_fits(seed, lamda, w_std)[tune_on]


def _double_descent_call(ctx: Context, lamda: float | None) -> Call:
    # the shared seed: the reference's curves are the costliest expected values, and no message states them
    return Call("double_descent", (NUM_PARAMS, lamda, ctx.shared_seed), timeout=60.0)


def _double_descent(ctx: Context, lamda: float | None) -> tuple[np.ndarray | None, Outcome | None]:
    call = _double_descent_call(ctx, lamda)
    try:
        errors, _ = ctx.call(call.name, *call.args, timeout=call.timeout).array()
    except WrongType as exc:
        return None, failed(f"double_descent {exc}", "wrong_type")
    if errors.shape != (len(NUM_PARAMS),):
        return None, failed(f"double_descent returned shape {errors.shape}; expected one error per p, "
                            f"shape ({len(NUM_PARAMS)},)", "wrong_shape")
    return errors, None


DD_RTOL = 2e-3  # every correct solver (solve, inverse, lstsq, the dual form) agrees to 1e-12; float32 to 2e-4


def _same_errors(ctx: Context, errors: np.ndarray, lamda: float | None, w_std: str, tune_on: str) -> bool:
    return matches(_double_descent_variant(ctx.shared_seed, lamda, w_std, tune_on), errors, rtol=DD_RTOL, atol=1e-9)


W_STD_MISTAKE = ("W drawn with standard deviation 1/p; the variance is 1/p, so the standard deviation is 1/sqrt(p)",
                 "w_std")
DRAW_ORDER = ("your curve has the expected shape, but not the values that the docstring's draws give: the data "
              "must come from draw_double_descent_data(np.random.default_rng(seed)), and then each W, in the order "
              "of num_params, from the same generator (np.random.RandomState or a new generator per p draws other "
              "numbers); the shape alone cannot be credited, as it cannot tell tuning on validation from tuning "
              "on test")


def _falls_without_peak(errors: np.ndarray) -> bool:
    """The curve's shape with W's standard deviation 1/p, from any draws: falling from p = 10, and nowhere near
    n_train above its level at p = 100 (the correct curve rises to about twice that)."""
    at = dict(zip(NUM_PARAMS, errors))
    near = [e for p, e in at.items() if PEAK_RANGE[0] <= p <= PEAK_RANGE[1]]
    return bool(np.isfinite(errors).all() and errors.min() > 0 and int(np.argmax(errors)) == 0
                and max(near) < 1.2 * at[100] and errors[-1] < at[100])


def _curve(errors: np.ndarray) -> str:
    return ", ".join(f"p={p}: {e:.3g}" for p, e in zip(NUM_PARAMS, errors))


@check("6.8", 3, tag=("double descent",), ahead=lambda ctx: _double_descent_call(ctx, 0.01))
def double_descent_peak(ctx: Context) -> Outcome:
    """double_descent with lamda=0.01 peaks near p = n_train = 300"""
    errors, wrong = _double_descent(ctx, 0.01)
    if wrong:
        return wrong
    if _same_errors(ctx, errors, 0.01, "1/sqrt(p)", "val"):
        return passed()
    peak = NUM_PARAMS[int(np.nanargmax(errors))] if np.isfinite(errors).any() else None
    if _same_errors(ctx, errors, 0.01, "1/p", "val"):
        return with_cause(f"with lamda=0.01 the test error peaks at p={peak}, not near n_train = 300\n  errors: "
                          f"{_curve(errors)}", W_STD_MISTAKE)
    if peak is not None and PEAK_RANGE[0] <= peak <= PEAK_RANGE[1] and np.isfinite(errors).all() \
            and errors.min() > 0 and np.count_nonzero(np.diff(errors)) == len(errors) - 1:
        return failed(f"{DRAW_ORDER}\n  your errors: {_curve(errors)}", "draw_order")
    if _falls_without_peak(errors):
        return with_cause(f"with lamda=0.01 the test error should peak between {PEAK_RANGE[0]} and {PEAK_RANGE[1]}; "
                          f"yours falls with p and has no peak\n  errors: {_curve(errors)}",
                          (f"{W_STD_MISTAKE[0]} (features that small leave lamda=0.01 to smooth the peak away, "
                           "whatever the draws); or lamda was not used as given", W_STD_MISTAKE[1]))
    return failed(f"with lamda=0.01 the test error should peak between {PEAK_RANGE[0]} and {PEAK_RANGE[1]} "
                  f"(near n_train = 300); yours peaks at p={peak}\n  errors: {_curve(errors)}", "no_peak")


@check("6.9", 3, tag=("double descent",), ahead=lambda ctx: _double_descent_call(ctx, None))
def double_descent_tuned(ctx: Context) -> Outcome:
    """double_descent with lamda tuned on validation has no peak"""
    errors, wrong = _double_descent(ctx, None)
    if wrong:
        return wrong
    if _same_errors(ctx, errors, None, "1/sqrt(p)", "val"):
        return passed()
    if _same_errors(ctx, errors, None, "1/sqrt(p)", "test"):
        return failed("your errors are exactly those of choosing lamda by the test error\n  likely cause: lamda "
                      "was tuned on the test set; pick it by the validation error and only report the test error",
                      "tuned_on_test")
    if _same_errors(ctx, errors, None, "1/p", "val"):
        return with_cause(f"your errors differ from the reference's: {_curve(errors)}", W_STD_MISTAKE)
    large = [e for p, e in zip(NUM_PARAMS, errors) if p >= 101]
    if np.isfinite(errors).all() and errors.min() > 0 and max(large) < TUNED_CEILING:
        return failed(f"{DRAW_ORDER}\n  your errors: {_curve(errors)}", "draw_order")
    worst = max(zip(NUM_PARAMS, errors), key=lambda pe: pe[1] if np.isfinite(pe[1]) else np.inf)
    return failed(f"with lamda tuned on the validation set, the test error for p >= 101 should stay below "
                  f"{TUNED_CEILING:g}; at p={worst[0]} it is {worst[1]:.3g}\n  errors: {_curve(errors)}",
                  "peak_remains")
