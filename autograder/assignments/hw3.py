"""hw3 checks: the MLP, its initialisation and training, sigmoid/tanh conversions, two limits.

The student's weights are replayed through the reference MLP; training runs
a few epochs from identical weights in both, and known mistakes are named by
replaying the reference's training with the mistake switched in.
"""
from __future__ import annotations

from typing import Callable

import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from ..answers import exact_count, formula
from ..compare import as_numbers, describe, matches, mismatch
from ..context import Context
from ..fixtures import expected
from ..numeric import difference
from ..sandbox import StudentFailure
from ..spec import Outcome, check, failed, passed, share_of_cases, with_cause
from . import load_reference

REF = load_reference("hw3")
LAYERS = ("l1", "l2", "l3")


@expected
def _reference_state(seed: int) -> dict[str, torch.Tensor]:
    torch.manual_seed(seed)
    return {k: v.clone() for k, v in REF.MLP().state_dict().items()}


def _replay(state: dict[str, np.ndarray], x: torch.Tensor, activation: Callable = torch.sigmoid) -> np.ndarray:
    """The reference architecture run with the student's weights (another activation for a mistake)."""
    W = {k: torch.from_numpy(np.asarray(v)) for k, v in state.items()}
    b = {layer: W.get(f"{layer}.bias", torch.zeros(W[f"{layer}.weight"].shape[0])) for layer in LAYERS}
    with torch.no_grad():
        h = activation(x.reshape(-1, 1) @ W["l1.weight"].T + b["l1"])
        h = activation(h @ W["l2.weight"].T + b["l2"])
        return (h @ W["l3.weight"].T + b["l3"]).numpy()


@expected
def _mlp_counts() -> tuple[int, int]:
    """The reference MLP's parameters: all of them, and its weights only."""
    named = list(REF.MLP().named_parameters())
    return sum(p.numel() for _, p in named), sum(p.numel() for n, p in named if n.endswith("weight"))


@expected
def _mlp_shapes() -> dict[str, list[int]]:
    """The reference MLP's parameters by name, with their shapes."""
    return {name: list(p.shape) for name, p in REF.MLP().named_parameters()}


@check("1.1", 2, tag=("MLP",))
def mlp_parameter_count(ctx: Context) -> Outcome:
    """MLP registers the parameters of l1, l2 and l3"""
    structure = ctx.module("MLP")
    if not structure["is_module"]:
        return failed(f"MLP() built a {structure['type']}, not an nn.Module", "wrong_type")
    expected, weights_only = _mlp_counts()
    if {name: list(shape) for name, shape in structure["parameters"]} == _mlp_shapes():
        return passed()
    if _renamed(structure):
        names = ", ".join(name for name, _ in structure["parameters"])
        return failed(f"MLP registers the right parameters under other names ({names}); the handout names the "
                      "layers l1, l2, l3 (self.l1 = nn.Linear(1, 64), ...)", "layer_names")
    cause = "\n  likely cause: the layers have no bias (bias=False)" if structure["num_parameters"] == weights_only \
        else ""
    return failed(f"MLP() registered {structure['num_parameters']} parameters; expected those of Linear(1, 64), "
                  f"Linear(64, 64) and Linear(64, 1), each with its bias{cause}", "no_bias" if cause else "wrong_count")


def _renamed(structure: dict) -> bool:
    """Whether the module registers the reference's parameters, shape for shape in order, under other names."""
    return [list(shape) for _, shape in structure.get("parameters", [])] == list(_mlp_shapes().values())


INPUTS = {"shape (N,)": (5,), "shape (N, 1)": (5, 1), "a 0-d tensor": ()}


def _run_with_grader_weights(ctx: Context, x: torch.Tensor) -> tuple[np.ndarray | object, dict] | Outcome:
    """The student's MLP run on ``x`` with weights the grader drew for its parameters, and those weights under
    the reference's names (layers named otherwise, in the reference's order and shapes, are check 1.1's).

    Never the student's own weights: NaN or zero weights would agree with any network.
    """
    structure = ctx.module("MLP")
    names = [name for name, _ in structure.get("parameters", [])]
    shapes = _mlp_shapes()
    if _renamed(structure) and names != list(shapes):
        # the weights the grader drew for the reference's names, loaded into the student's, position by position
        state = ctx.weights(14, shapes.items())
        run = ctx.forward("MLP", [x], state=dict(zip(names, state.values()))).value.get("output")
        return run, state
    if any(f"{layer}.weight" not in names for layer in LAYERS) or len(names) > 6:
        return failed(f"MLP must have layers named l1, l2, l3; its parameters are {', '.join(names) or 'none'}",
                      "layer_names")
    # the reference's shapes, for the names the student registered: a bias left out stays out, and what the
    # worker reports never sizes the weights (a layer of shape (0, 1) would make every replay output 0)
    if any(name not in shapes for name in names):
        return failed(f"MLP's parameters are {', '.join(names)}; expected the weights and biases of "
                      "Linear(1, 64), Linear(64, 64) and Linear(64, 1) named l1, l2, l3 (see check 1.1)",
                      "layer_names")
    state = ctx.weights(14, ((name, shapes[name]) for name in names))
    return ctx.forward("MLP", [x], state=state).value.get("output"), state


@check("1.2", 2, tag=("MLP",), partial_credit=True)
def mlp_input_shapes(ctx: Context) -> Outcome:
    """MLP.forward takes (N,), (N, 1) or a 0-d tensor and returns the (N, 1) outputs"""
    outcomes = []
    for label, shape in INPUTS.items():
        x = torch.from_numpy(ctx.rng(12).standard_normal(shape).astype(np.float32))
        try:
            run = _run_with_grader_weights(ctx, x)
        except StudentFailure as failure:
            outcomes.append((label, failed(failure.message, failure.kind)))
            continue
        if isinstance(run, Outcome):
            return run
        out, state = run
        want = (int(np.prod(shape)) if shape else 1, 1)
        if not isinstance(out, np.ndarray) or out.shape != want:
            outcomes.append((label, failed(f"for an input of {label} forward returned {describe(out)}; "
                                           f"expected shape {want}", "wrong_shape")))
        elif not matches(_replay(state, x), out, rtol=1e-5, atol=1e-6):
            outcomes.append((label, failed(f"for an input of {label} the shape is right but the values are not "
                                           "(see check 1.3); this check counts for the network's outputs",
                                           "wrong_output")))
        else:
            outcomes.append((label, passed()))
    return share_of_cases(outcomes)


@check("1.3", 3, tag=("MLP",))
def mlp_output(ctx: Context) -> Outcome:
    """MLP's output equals the reference given the same weights"""
    x = torch.from_numpy(ctx.rng(13).standard_normal((7, 1)).astype(np.float32))
    run = _run_with_grader_weights(ctx, x)
    if isinstance(run, Outcome):
        return run
    out, state = run
    if not isinstance(out, np.ndarray) or out.size != 7:
        return failed(f"needs the 7 outputs of 7 inputs (see check 1.2), got {describe(out)}", "wrong_shape")
    reshaped = out.shape != (7, 1)  # the shape is check 1.2's: here only the values count
    out = out.reshape(7, 1)
    problem = mismatch(_replay(state, x), out, rtol=1e-5, atol=1e-6)
    if problem is None:
        return passed("compared after reshaping your output to (7, 1); check 1.2 counts its shape" if reshaped
                      else "")
    message = f"output differs from the reference run with the same weights:\n{problem}"
    if matches(_replay(state, x, torch.relu), out, rtol=1e-5, atol=1e-6):
        return failed(f"{message}\n  likely cause: ReLU instead of sigmoid after l1 and l2", "relu")
    return failed(message, "wrong_output")


SPEC = "hw3.MLP"  # the handout's own MLP, built by the harness: init_weights and train are judged on it
ON_SPEC = ("\n  ({function} is judged on an MLP built exactly as the handout specifies, layers l1, l2, l3, so "
           "that a mistake in your MLP class costs only its own checks)")
INIT_CALLS = 5  # independent calls, so each layer's weights are a large enough sample on their own


def _on_spec(ctx: Context, function: str, *args: object, seed: int, **kwargs: object) -> dict:
    try:
        return ctx.module_call(SPEC, function, *args, seed=seed, **kwargs).value
    except StudentFailure as failure:
        if failure.kind != "exception":
            raise
        raise StudentFailure(failure.kind, failure.message + ON_SPEC.format(function=function)) from None


def _init(ctx: Context, call: int = 0) -> dict[str, np.ndarray]:
    return _on_spec(ctx, "init_weights", seed=21 + call)["state"]


@check("2.1", 1, tag=("initialisation",))
def init_biases(ctx: Context) -> Outcome:
    """init_weights sets every bias to 0.03"""
    biases = {n: v for n, v in _init(ctx).items() if n.endswith("bias")}
    wrong = [n for n, v in biases.items() if not np.all(v == np.float32(0.03))]
    if not wrong:
        return passed()
    sample = biases[wrong[0]].ravel()[:3]
    return failed(f"{', '.join(wrong)} not all 0.03 after init_weights (e.g. {sample})", "wrong_bias")


@check("2.2", 2, tag=("initialisation",))
def init_weight_distribution(ctx: Context) -> Outcome:
    """init_weights draws every layer's weights from N(0, 1)"""
    states = [_init(ctx, call) for call in range(INIT_CALLS)]
    weights = {layer: np.concatenate([state[f"{layer}.weight"].ravel() for state in states]) for layer in LAYERS}
    stds = {layer: float(w.std()) for layer, w in weights.items()}
    for layer, w in weights.items():
        n, mean = w.size, float(w.mean())
        # five standard errors either side: a correct draw fails about once in a million
        if abs(mean) < 5 / np.sqrt(n) and abs(stds[layer] - 1) < 5 / np.sqrt(2 * n):
            continue
        message = (f"{layer}.weight has sample mean {mean:.3f} and standard deviation {stds[layer]:.3f} over "
                   f"{INIT_CALLS} calls ({n} weights); N(0, 1) gives 0 and 1")
        fans = {name: states[0][f"{name}.weight"].shape[::-1] for name in LAYERS}  # (fan_in, fan_out)

        def explains(spread: Callable, names: tuple[str, ...]) -> bool:
            return all(abs(stds[name] / spread(*fans[name]) - 1) < 0.15 for name in names)

        # the scheme that explains every layer (LeCun's gives l1 N(0, 1)), else this layer (default init left in one)
        named = next(((cause, code) for cause, code, spread in NAMED_INITS if explains(spread, LAYERS)), None) \
            or next(((cause, code) for cause, code, spread in NAMED_INITS if explains(spread, (layer,))), None)
        return with_cause(message, named and (named[0].format(layer=layer), named[1]), "wrong_distribution")
    return passed()


# Initialisations students use instead of N(0, 1), by the standard deviation each gives a (fan_out, fan_in) layer
NAMED_INITS = (
    ("PyTorch's default initialisation was left in place for {layer}", "default_init",
     lambda fan_in, fan_out: 1 / np.sqrt(3 * fan_in)),
    ("Xavier (Glorot) initialisation, standard deviation sqrt(2 / (fan_in + fan_out)); the handout asks for "
     "N(0, 1)", "xavier_init", lambda fan_in, fan_out: np.sqrt(2 / (fan_in + fan_out))),
    ("He (Kaiming) initialisation, standard deviation sqrt(2 / fan_in); the handout asks for N(0, 1)", "he_init",
     lambda fan_in, fan_out: np.sqrt(2 / fan_in)),
    ("LeCun initialisation, standard deviation 1 / sqrt(fan_in); the handout asks for N(0, 1)", "lecun_init",
     lambda fan_in, fan_out: 1 / np.sqrt(fan_in)),
)


# lr 0.1 makes this data spike (losses 0.5, 2.2, 25): 0.03 shows training, and train must honour its lr
TRAIN_EPOCHS, TRAIN_BATCH, TRAIN_LR = 3, 96, 0.03  # not the default 128: a batch size written into train fails
TRAIN_SEED = 0  # torch's seed in the worker before it builds the model: a student's shuffling is replayed from it


def _train_data(ctx: Context) -> tuple[torch.Tensor, torch.Tensor]:
    rng = ctx.rng(31)
    X = rng.standard_normal(300).astype(np.float32)
    return torch.from_numpy(X), torch.from_numpy((np.sin(2 * X) + 0.1 * rng.standard_normal(300)).astype(np.float32))


@expected
def _reference_training(state: dict, X: torch.Tensor, Y: torch.Tensor, *, zero_grad: bool = True,
                        order: str = "in order", reduction: str = "mean") -> tuple[list[float], dict[str, np.ndarray]]:
    """The reference's training, or a known mistake: gradients never zeroed, the loss summed over each batch,
    or the batches in another ``order`` ("reversed"; "drop last", the short one left out; "randperm" or
    "DataLoader" shuffling, replayed from the seed the worker set before it built the model, as the student's
    run drew them)."""
    if zero_grad and order == "in order" and reduction == "mean":
        model = REF.MLP()
        model.load_state_dict(state)
        losses = REF.train(model, X, Y, lr=TRAIN_LR, epochs=TRAIN_EPOCHS, batch_size=TRAIN_BATCH)
        return losses, {k: v.detach().numpy() for k, v in model.named_parameters()}
    batches, trained = _train_by_hand(state, X, Y, zero_grad, order, reduction)
    return [sum(losses) / len(losses) for losses in batches], trained


@expected
def _batch_losses(state: dict, X: torch.Tensor, Y: torch.Tensor) -> list[list[float]]:
    """The loss of every batch of the reference's training, epoch by epoch: what a wrong summary of them gives."""
    return _train_by_hand(state, X, Y, True, "in order", "mean")[0]


def _train_by_hand(state: dict, X: torch.Tensor, Y: torch.Tensor, zero_grad: bool, order: str,
                   reduction: str) -> tuple[list[list[float]], dict[str, np.ndarray]]:
    model = REF.MLP()
    model.load_state_dict(state)
    optimizer, loss_fn, losses = torch.optim.SGD(model.parameters(), lr=TRAIN_LR), nn.MSELoss(reduction=reduction), []
    starts = list(range(0, len(X), TRAIN_BATCH))
    with torch.random.fork_rng():
        torch.manual_seed(TRAIN_SEED)
        REF.MLP()  # what the worker drew building the handout's model before train
        for _ in range(TRAIN_EPOCHS):
            if order == "DataLoader":
                batches = list(DataLoader(TensorDataset(X, Y), batch_size=TRAIN_BATCH, shuffle=True))
            else:
                index = torch.randperm(len(X)) if order == "randperm" else torch.arange(len(X))
                taken = {"reversed": starts[::-1], "drop last": starts[:len(X) // TRAIN_BATCH]}.get(order, starts)
                batches = [(X[index[s:s + TRAIN_BATCH]], Y[index[s:s + TRAIN_BATCH]]) for s in taken]
            batch = []
            for x, y in batches:
                if zero_grad:
                    optimizer.zero_grad()
                loss = loss_fn(model(x.reshape(-1, 1)), y.reshape(-1, 1))
                loss.backward()
                optimizer.step()
                batch.append(loss.item())
            losses.append(batch)
    return losses, {k: v.detach().numpy() for k, v in model.named_parameters()}


def _trained(ctx: Context) -> tuple[dict, list, dict, dict, torch.Tensor, torch.Tensor]:
    state = _reference_state(30)
    X, Y = _train_data(ctx)
    body = _on_spec(ctx, "train", X, Y, lr=TRAIN_LR, epochs=TRAIN_EPOCHS, batch_size=TRAIN_BATCH, seed=TRAIN_SEED,
                    state=state, timeout=30.0)
    expected_losses, expected_state = _reference_training(state, X, Y)
    return body, expected_losses, expected_state, state, X, Y


def _state_problem(expected: dict, got: dict) -> str | None:
    return difference(expected, got, "the state_dict", rtol=1e-5, atol=1e-5)


@check("3.1", 4, tag=("training",))
def train_weights(ctx: Context) -> Outcome:
    """train from the reference's weights ends where the reference does (3 epochs)"""
    body, _, expected_state, state, X, Y = _trained(ctx)
    problem = _state_problem(expected_state, body["state"])
    if problem is None:
        return passed()
    message = (f"after {TRAIN_EPOCHS} epochs of batch size {TRAIN_BATCH} on 300 points with lr = {TRAIN_LR:g}, "
               f"{problem}")
    in_order = "use X[0:128], X[128:256], ... in order, every epoch"
    for knobs, cause, code in (({"zero_grad": False}, "the gradients are never zeroed (optimizer.zero_grad() is "
                                "missing), so each step uses the sum of all gradients so far", "no_zero_grad"),
                               ({"reduction": "sum"}, "the loss is summed over each batch (reduction='sum'), "
                                "which multiplies every step by the batch size; nn.MSELoss() averages it",
                                "loss_summed"),
                               ({"order": "reversed"}, f"the batches are taken in the wrong order; {in_order}",
                                "batch_order"),
                               ({"order": "drop last"}, "the last, smaller batch of each epoch is left out "
                                f"(range(len(X) // batch_size) or drop_last=True); {in_order}, the last one "
                                "shorter", "drop_last"),
                               ({"order": "randperm"}, f"the batches are shuffled (torch.randperm); {in_order}",
                                "shuffled"),
                               ({"order": "DataLoader"}, f"the batches are shuffled (DataLoader(..., shuffle=True)); "
                                f"{in_order} (shuffle=False)", "shuffled")):
        if _state_problem(_reference_training(state, X, Y, **knobs)[1], body["state"]) is None:
            return with_cause(message, (cause, code))
    return failed(message)


@check("3.2", 1, tag=("training",))
def train_losses(ctx: Context) -> Outcome:
    """train returns the per-epoch mean training losses"""
    body, expected, expected_state, state, X, Y = _trained(ctx)
    losses = body["value"]
    got = as_numbers(losses)
    if got is None:
        return failed(f"train should return a list of {TRAIN_EPOCHS} numbers, got {describe(losses)}", "wrong_type")
    problem = mismatch(np.asarray(expected), got, rtol=1e-4, atol=1e-6)
    if problem is None:
        return passed()
    message = f"the returned losses differ from the reference:\n{problem}"
    if _state_problem(expected_state, body["state"]) is not None:
        message += "\n  the training itself differs from the reference's (check 3.1), so its losses do too"
    batches = -(-len(X) // TRAIN_BATCH)
    if got.size == TRAIN_EPOCHS * batches:
        return with_cause(message, (f"one loss per batch ({TRAIN_EPOCHS} epochs of {batches} batches); return one "
                                    "number per epoch, the mean of its batch losses", "per_batch"))
    summaries = {"the loss of each epoch's last batch": ("last_batch_loss", lambda epoch: epoch[-1]),
                 "the sum of each epoch's batch losses": ("losses_summed", sum)}
    for what, (code, summary) in summaries.items():
        wrong = np.array([summary(epoch) for epoch in _batch_losses(state, X, Y)])
        if got.shape == wrong.shape and mismatch(wrong, got, rtol=1e-4, atol=1e-6) is None:
            return with_cause(message, (f"these are {what}; return the mean of its batch losses, one number per "
                                        "epoch", code))
    return failed(message)


@check("4.1", 1, visible="after_published", tag=("MLP",))
def num_parameters(ctx: Context) -> Outcome:
    """NUM_PARAMETERS"""
    _, weights_only = _mlp_counts()
    return exact_count("NUM_PARAMETERS", ctx.value("NUM_PARAMETERS").value, REF.NUM_PARAMETERS,
                       {weights_only: ("the biases are left out", "forgot_biases")})


def _network(As: list, bs: list, x: np.ndarray, activation: Callable) -> np.ndarray:
    for A, b in zip(As[:-1], bs[:-1]):
        x = activation(A @ x + b)
    return As[-1] @ x + bs[-1]


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-z))


def _conversion(ctx: Context, function: str, source: Callable, target: Callable, salt: int,
                mistakes: list[tuple[Callable, str, str]]) -> Outcome:
    rng = ctx.rng(salt)
    outcomes = []
    for depth in range(2, 6):
        shapes = [(5, 3)] + [(5, 5)] * (depth - 2) + [(2, 5)]
        As, bs = [rng.standard_normal(s) for s in shapes], [rng.standard_normal(s[0]) for s in shapes]
        xs = rng.standard_normal((3, 4))
        returned = ctx.call(function, As, bs)
        got = returned.value
        label = f"depth {depth}"
        if not isinstance(got, (list, tuple)) or len(got) != 2 or any(
                not isinstance(part, (list, tuple)) or len(part) != depth or
                any(not isinstance(m, np.ndarray) for m in part) for part in got):
            outcomes.append((label, failed(f"{function} should return two lists of {depth} arrays, got "
                                           f"{describe(got)}", "wrong_type")))
            continue
        expected = np.stack([_network(As, bs, x, source) for x in xs.T])
        try:
            outputs = np.stack([_network(got[0], got[1], x, target) for x in xs.T])
        except ValueError as exc:
            outcomes.append((label, failed(f"the converted network cannot run: {exc}", "wrong_shape")))
            continue
        atol = 1e-8
        if returned.tolerance(1e-5, atol)[2]:  # float32 weights: the error rounding them causes, measured
            atol = conversion_float32_atol(function, As, bs, xs, target)
        problem = mismatch(expected, outputs, rtol=1e-5, atol=atol)
        if problem is None:
            outcomes.append((label, passed()))
            continue
        named = next(((cause, code) for variant, cause, code in mistakes
                      if matches(np.stack([_network(*variant(As, bs), x, target) for x in xs.T]), outputs,
                                 rtol=1e-5, atol=atol)), None)
        text = f"the converted network's outputs differ from the original's:\n{problem}"
        outcomes.append((label, with_cause(text, named)))
    return share_of_cases(outcomes)


def conversion_float32_atol(function: str, As: list, bs: list, xs: np.ndarray, target: Callable) -> float:
    """How far the right conversion's outputs move when its weights are rounded to float32, times ten: a
    correct float32 answer stays within it (tests/test_tolerances.py sweeps it), every known mistake is far."""
    Cs, ds = getattr(REF, function)(As, bs)
    exact = np.stack([_network(Cs, ds, x, target) for x in xs.T])
    rounded = np.stack([_network([C.astype(np.float32) for C in Cs], [d.astype(np.float32) for d in ds], x, target)
                        for x in xs.T])
    return max(1e-8, 10.0 * float(np.abs(rounded - exact).max()) + 10.0 * np.finfo(np.float32).eps)


def _uniform_factor(As: list, bs: list) -> tuple[list, list]:
    return [A / 2 for A in As], [b / 2 for b in bs]


def _without_row_sums(As: list, bs: list) -> tuple[list, list]:
    Cs, _ = REF.sigmoid_to_tanh(As, bs)
    return Cs, [bs[0] / 2] + [b / 2 for b in bs[1:-1]] + [bs[-1]]


@check("5.1", 3, tag=("conversions",), partial_credit=True)
def sigmoid_to_tanh(ctx: Context) -> Outcome:
    """sigmoid_to_tanh gives a tanh network computing the same function, depths 2-5"""
    return _conversion(ctx, "sigmoid_to_tanh", _sigmoid, np.tanh, 51, [
        (_uniform_factor, "the same factor at every layer: the first and last layers take 1/2, the middle ones 1/4",
         "same_factor"),
        (_without_row_sums, "the row-sum term is missing: sigmoid(z) = (1 + tanh(z/2))/2 shifts the next layer's "
         "bias by (A/4) 1 (by (A/2) 1 at the last layer)", "missing_row_sum")])


def _without_row_sums_back(Cs: list, ds: list) -> tuple[list, list]:
    As, _ = REF.tanh_to_sigmoid(Cs, ds)
    return As, [2 * ds[0]] + [2 * d for d in ds[1:-1]] + [ds[-1]]


@check("5.2", 3, tag=("conversions",), partial_credit=True)
def tanh_to_sigmoid(ctx: Context) -> Outcome:
    """tanh_to_sigmoid gives a sigmoid network computing the same function, depths 2-5"""
    return _conversion(ctx, "tanh_to_sigmoid", np.tanh, _sigmoid, 52, [
        (lambda Cs, ds: ([2 * C for C in Cs], [2 * d for d in ds]),
         "the same factor at every layer: the first and last layers take 2, the middle ones 4", "same_factor"),
        (_without_row_sums_back, "the row-sum term is missing: tanh(z) = 2 sigmoid(2z) - 1 shifts the next layer's "
         "bias by -2 C 1 (by -C 1 at the last layer)", "missing_row_sum")])


@check("6.1", 1, visible="after_published", tag=("limits",))
def ce_limit(ctx: Context) -> Outcome:
    """CE_LIMIT"""
    return formula("CE_LIMIT", ctx.value("CE_LIMIT").value, REF.CE_LIMIT)


@check("6.2", 1, visible="after_published", tag=("limits",))
def softplus_lipschitz(ctx: Context) -> Outcome:
    """SOFTPLUS_LIPSCHITZ is the smallest Lipschitz constant of sigmoid"""
    return formula("SOFTPLUS_LIPSCHITZ", ctx.value("SOFTPLUS_LIPSCHITZ").value, REF.SOFTPLUS_LIPSCHITZ,
                   known={"1": ("1 is a valid Lipschitz bound, but not the smallest: sigmoid' = sigmoid (1 - "
                                "sigmoid) is at most 1/4", "not_smallest")})
