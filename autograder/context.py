"""What a check sees: the student's code behind a session, and seeded inputs."""
from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Sequence, TypeVar

import numpy as np

from .ahead import Answers, call_request
from .compare import as_array, at_precision
from .sandbox import Session, StudentFailure
from .sandbox import wire
from .sandbox.wire import Opaque, callable_ref

T = TypeVar("T")
# what a check needs of the sandbox: a student's failure, an object that did not cross, a callable to pass
__all__ = ["Context", "Returned", "StudentFailure", "Opaque", "callable_ref"]


@dataclass
class Returned:
    """What student code returned, decoded, with what it modified in place."""

    value: Any
    arrays: list[wire.ArrayInfo] = field(default_factory=list)
    mutated: list[str] = field(default_factory=list)

    def tolerance(self, rtol: float, atol: float) -> tuple[float, float, str]:
        """``rtol`` and ``atol``, loosened to float32 precision if the student's value is float32 (with a note)."""
        return at_precision(rtol, atol, self.arrays)

    def array(self, path: str = "", *, lib: str = "numpy", dtype: str = "float64") -> tuple[np.ndarray, list[str]]:
        """The value (or the part at ``path``) as an array, with conversion notes."""
        value = self.value
        for key in _path_keys(path):
            value = value[key]
        return as_array(value, self.arrays, path, lib=lib, dtype=dtype)


def _path_keys(path: str) -> list:
    return [int(k) if k.isdigit() else k.strip("'") for k in path.strip("[]").split("][") if k] if path else []


class Context:
    """Access to one submission for the checks, with answers memoised.

    A probe's failure is memoised as well, so a hanging constructor costs
    one timeout, not one per check that needs it.
    """

    def __init__(self, session: Session, seed: int = 0, shared_seed: int | None = None):
        """``seed``: this submission's inputs; ``shared_seed``: the same for every submission, for a check whose
        expected values are costly to compute and whose messages state none of them (they are precomputed)."""
        self.session = session
        self.seed = seed
        self.shared_seed = seed if shared_seed is None else shared_seed
        self._memo: dict[str, Any] = {}
        self._stalled: dict[str, StudentFailure] = {}
        self._once: dict[Callable, Any] = {}
        self.ahead: Answers | None = None  # calls a second worker was given at the start

    def rng(self, salt: int) -> np.random.Generator:
        return np.random.default_rng([self.seed, salt])

    def weights(self, salt: int, shapes: Iterable[tuple[str, Sequence[int]]],
                scale: float = 1.0) -> dict[str, np.ndarray]:
        """Float32 weights the grader draws for a model's parameters, by name and shape in order (the same
        structure gets the same weights): what ``forward`` loads in place of the student's own, whose NaN or
        zeros would agree with any model."""
        rng = self.rng(salt)
        return {name: (scale * rng.standard_normal(tuple(shape))).astype(np.float32) for name, shape in shapes}

    def once(self, helper: Callable[[Context], T]) -> T:
        """``helper(self)``, computed once for this submission: what several checks build on (a replay, a
        structural diagnosis carried to the checks that depend on it)."""
        if helper not in self._once:
            self._once[helper] = helper(self)
        return self._once[helper]

    def defines(self, name: str) -> bool:
        return name in self.session.names

    def call(self, name: str, *args: Any, timeout: float = 10.0, **kwargs: Any) -> Returned:
        """Call the student's function ``name`` on plain-data arguments.

        A function that timed out is not called again for this submission,
        so one hang costs one time limit, not one per check.
        """
        if name in self._stalled:
            raise self._stalled[name]
        req = call_request(name, args, kwargs)
        try:
            return self._returned(self._ask(req, timeout, name, memo=False))
        except StudentFailure as failure:
            if failure.kind == "timeout":
                self._stalled[name] = StudentFailure("timeout", f"{failure.message} (in an earlier check; "
                                                                "not called again)")
            raise

    def value(self, name: str) -> Returned:
        """The student's module-level answer ``name``."""
        return self._returned(self._ask({"probe": "value", "name": name}, 10.0, name))

    def module(self, name: str, seed: int = 0, init: tuple = (), init_kwargs: dict | None = None) -> dict:
        """What ``name(*init, **init_kwargs)`` registers: parameters, convolutions, suspicious attributes (the
        worker's report: a hint for feedback, its parameter count recomputed from the shapes)."""
        req = {"probe": "module", "name": name, "seed": seed, "init_args": list(init), "init_kwargs": init_kwargs or {}}
        return self._ask(req, 20.0, f"{name}()").value

    def forward(self, name: str, inputs: list, seed: int = 0, timeout: float = 20.0,
                state: dict | None = None, init: tuple = (), init_kwargs: dict | None = None) -> Returned:
        """Build ``name(*init, **init_kwargs)``, load the grader's weights ``state`` (by name and shape, all of
        them or none), run it on ``inputs``, backpropagate; returns weights, output, gradients."""
        decoded = self._ask({"probe": "forward", "name": name, "seed": seed, "inputs": inputs, "state": state,
                             "init_args": list(init), "init_kwargs": init_kwargs or {}}, timeout, f"{name}.forward")
        return Returned(decoded.value, [_relative(i, "['output']") for i in decoded.arrays])

    def module_call(self, name: str, function: str, *args: Any, seed: int = 0, state: dict | None = None,
                    timeout: float = 20.0, **kwargs: Any) -> Returned:
        """Build ``name()`` (with ``state`` loaded), call ``function(model, *args)``; value and weights after."""
        req = {"probe": "module_call", "name": name, "function": function, "seed": seed, "state": state,
               "args": list(args), "kwargs": kwargs}
        decoded = self._ask(req, timeout, function)
        _check_state(decoded.value["state"], _spec_shapes(name))
        return Returned(decoded.value, [_relative(i, "['value']") for i in decoded.arrays])

    def _returned(self, decoded: wire.Decoded) -> Returned:
        body = decoded.value
        return Returned(body["value"], [_relative(i, "['value']") for i in decoded.arrays], body.get("mutated", []))

    def _ask(self, req: dict, timeout: float, subject: str, memo: bool = True) -> wire.Decoded:
        key = wire.digest(req) if memo else None
        if key in self._memo:
            cached = self._memo[key]
            if isinstance(cached, StudentFailure):
                raise cached
            return cached
        try:
            answer = self.ahead.answer(req) if self.ahead is not None else None
            if answer is None:
                answer = self.session.request(req, timeout, subject)
            _check_reply(req["probe"], answer.value)
        except StudentFailure as failure:
            if key is not None:
                self._memo[key] = failure
            raise
        if key is not None and _array_bytes(answer.value) <= MEMO_BYTES and answer.items <= MEMO_ITEMS:
            self._memo[key] = answer
        return answer


# The fields each probe's reply must have, and their types: a reply comes from an untrusted
# process, which may have patched the harness inside it.
REPLY_FIELDS: dict[str, dict[str, type | tuple[type, ...]]] = {
    "value": {"value": object},
    "call": {"value": object, "mutated": list},
    "module": {"is_module": bool, "type": str},
    "module_call": {"value": object, "state": dict},
}
MODULE_FIELDS = {"parameters": list, "num_parameters": int, "list_attributes": list, "class_attributes": list,
                 "convs": list}
FORWARD_FIELDS = {**MODULE_FIELDS, "state": dict, "output": object}


def _check_reply(probe: str, body: Any) -> None:
    fields = dict(REPLY_FIELDS.get(probe, REPLY_FIELDS["module"]))
    if probe in ("module", "forward") and isinstance(body, dict) and body.get("is_module") is True:
        fields.update(FORWARD_FIELDS if probe == "forward" else MODULE_FIELDS)
    if not isinstance(body, dict) or any(not isinstance(body.get(k), t) or (k not in body)
                                         for k, t in fields.items()):
        raise _malformed()
    if "parameters" in fields:
        _check_structure(body)


@functools.cache
def _spec_shapes(name: str) -> dict[str, tuple[int, ...]] | None:
    """The parameters of a handout's own model by name and shape (the worker builds it; its report must fit)."""
    from .sandbox.specifications import SPECIFICATIONS

    return {n: tuple(p.shape) for n, p in SPECIFICATIONS[name]().named_parameters()} if name in SPECIFICATIONS else None


def _check_state(state: dict, shapes: dict[str, tuple[int, ...]] | None) -> None:
    """Weights reported after a call: float arrays by name, and for a handout's model exactly its parameters."""
    if not all(isinstance(k, str) and isinstance(v, np.ndarray) and v.dtype.kind == "f" for k, v in state.items()):
        raise _malformed()
    if shapes is not None and {k: v.shape for k, v in state.items()} != shapes:
        raise _malformed()


def _malformed() -> StudentFailure:
    return StudentFailure("malformed", "the process running your code sent a malformed reply (does your code "
                                       "modify the grader's modules?)")


MAX_PARAMETERS = 4096  # named parameters in one module report
MAX_ELEMENTS = 2**22  # their elements together: the weights a check may draw for them stay a few tens of MB


def _check_structure(body: dict) -> None:
    """A module report's parameters, checked in form and size; the count is recomputed from their shapes,
    so no field the worker fills in can size what the grader allocates."""
    params = body["parameters"]
    if len(params) > MAX_PARAMETERS or not all(
            isinstance(p, list) and len(p) == 2 and isinstance(p[0], str) and len(p[0]) <= 300
            and isinstance(p[1], list) and len(p[1]) <= 8
            and all(isinstance(d, int) and not isinstance(d, bool) and 0 <= d <= MAX_ELEMENTS for d in p[1])
            for p in params):
        raise _malformed()
    count = sum(int(np.prod(shape, dtype=object)) for _, shape in params)
    if count > MAX_ELEMENTS:
        raise StudentFailure("too_large", f"the module registers {count} parameters, far more than the "
                                          "assignment's model has; the grader does not run it")
    body["num_parameters"] = count
    for key in ("list_attributes", "class_attributes"):
        body[key] = [a[:100] for a in body[key][:20] if isinstance(a, str)]
    body["convs"] = body["convs"][:MAX_PARAMETERS]
    body.pop("grads", None)  # the hints are the grader's to derive, never the worker's to send
    if "gradients" in body:
        body["grads"] = _gradient_flags(body["gradients"], {name: tuple(shape) for name, shape in params})


def _gradient_flags(gradients: Any, shapes: dict[str, tuple[int, ...]]) -> dict[str, str]:
    """Each parameter's gradient, one per parameter and of its shape, told as the grader sees it: "none",
    "zero" or "ok" (a hint for feedback; a check that credits gradients compares their values)."""
    if not isinstance(gradients, dict) or set(gradients) != set(shapes) or not all(
            g is None or isinstance(g, np.ndarray) and g.dtype.kind == "f" and g.shape == shapes[n]
            for n, g in gradients.items()):
        raise _malformed()
    return {n: "none" if g is None else "ok" if np.any(g) else "zero" for n, g in gradients.items()}


MEMO_BYTES = 2 * 2**20  # answers larger than this are asked again rather than kept: memory stays bounded
MEMO_ITEMS = 10_000  # nor are answers made of more objects than this


def _array_bytes(value: Any) -> int:
    if isinstance(value, np.ndarray):
        return value.nbytes
    if isinstance(value, dict):
        return sum(_array_bytes(v) for v in value.values())
    if isinstance(value, (list, tuple, set, frozenset)):
        return sum(_array_bytes(v) for v in value)
    return 0


def _relative(info: wire.ArrayInfo, prefix: str) -> wire.ArrayInfo:
    path = info.path[len(prefix):] if info.path.startswith(prefix) else info.path
    return wire.ArrayInfo(path, info.lib, info.dtype)

