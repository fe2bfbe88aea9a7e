"""What a worker can be asked to do with the student's module.

This runs inside the sandbox and holds no expected values: it calls, builds
and measures student code and returns raw observations as plain data. Every
judgement is made by the checks in the trusted process.
"""
from __future__ import annotations

import traceback
import types
from typing import Any, Callable

import numpy as np
import torch
from torch import nn

from .. import eager_dynamo
from . import wire
from .specifications import SPECIFICATIONS

eager_dynamo.install()  # a worker spawned on its own (the portable server) has not had the fork server's preload

Phase = Callable[[str], None]


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


# Functions a check may pass to student code: built here, named on the wire.
CALLABLES: dict[str, Callable] = {
    "identity": lambda z: z,
    "tanh": np.tanh,
    "tanh_prime": lambda z: 1.0 - np.tanh(z) ** 2,
    "sigmoid": _sigmoid,
    "sigmoid_prime": lambda z: _sigmoid(z) * (1.0 - _sigmoid(z)),
    "relu": lambda z: np.maximum(z, 0.0),
    "relu_prime": lambda z: (z > 0).astype(float),
}


class ProbeFailure(Exception):
    """Student code could not be asked what the check wanted; ``info`` says why."""

    def __init__(self, info: dict):
        super().__init__(info.get("message", ""))
        self.info = info


def describe_exception(exc: BaseException, student_file: str) -> dict:
    """Exception summary showing only frames from the student's own file."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename == student_file]
    where = [f"line {f.lineno}, in {f.name}: {(f.line or '').strip()}" for f in frames[-3:]]
    kind = "not_implemented" if isinstance(exc, NotImplementedError) else "exception"
    try:
        message = "\n".join(str(exc).splitlines()[:2])[:400]  # torch's overload listings run to pages
    except BaseException:  # a student exception whose __str__ itself fails
        message = ""
    return {"kind": kind, "type": type(exc).__name__, "message": message, "where": where}


def _lookup(module: types.ModuleType, name: str) -> Any:
    if not hasattr(module, name):
        raise ProbeFailure({"kind": "missing", "message": f"{name} is not defined"})
    value = getattr(module, name)
    if value is None:
        raise ProbeFailure({"kind": "not_implemented", "message": f"{name} is still None"})
    return value


def _arrays_in(value: Any, path: str) -> list[tuple[str, Any]]:
    """Every tensor and array inside an argument, with where it sits (``1``, ``0['W1']``)."""
    if isinstance(value, (torch.Tensor, np.ndarray)):
        return [(path, value)]
    if isinstance(value, dict):
        return [pair for k, v in value.items() for pair in _arrays_in(v, f"{path}[{k!r}]")]
    if isinstance(value, (list, tuple)):
        return [pair for i, v in enumerate(value) for pair in _arrays_in(v, f"{path}[{i}]")]
    return []


def _copy(array: Any) -> Any:
    return array.detach().clone() if isinstance(array, torch.Tensor) else array.copy()


def _changed(before: Any, after: Any) -> bool:
    if isinstance(before, torch.Tensor):
        return not torch.equal(before, after.detach()) if after.shape == before.shape else True
    return after.shape != before.shape or not np.array_equal(before, after, equal_nan=True)


def probe_value(module: types.ModuleType, req: dict, phase: Phase) -> dict:
    return {"value": _lookup(module, req["name"])}


def probe_call(module: types.ModuleType, req: dict, phase: Phase) -> dict:
    """Call a function; report its result and which array arguments it modified."""
    fn = _lookup(module, req["name"])
    args, kwargs = req["args"], req.get("kwargs", {})
    arrays = [pair for i, v in enumerate(args) for pair in _arrays_in(v, str(i))]
    arrays += [pair for k, v in kwargs.items() for pair in _arrays_in(v, k)]
    before = [_copy(a) for _, a in arrays]
    phase(req["name"])
    result = fn(*args, **kwargs)
    mutated = [path for (path, after), b in zip(arrays, before) if _changed(b, after)]
    return {"value": result, "mutated": mutated}


def _construct(module: types.ModuleType, req: dict, phase: Phase) -> Any:
    """``name(*init_args, **init_kwargs)`` with the given seed: the model a check asked for."""
    name = req["name"]
    cls = _lookup(module, name)
    torch.manual_seed(req["seed"])
    phase(f"{name}()")
    return cls(*req.get("init_args", []), **req.get("init_kwargs", {}))


def _structure(obj: Any) -> dict:
    """Registered parameters and the mistakes visible in a module's attributes."""
    if not isinstance(obj, nn.Module):
        return {"is_module": False, "type": type(obj).__qualname__}
    listed = [attr for attr, v in vars(obj).items()
              if isinstance(v, (list, tuple)) and any(isinstance(x, nn.Module) for x in v)]
    classes = [attr for attr, v in vars(obj).items() if isinstance(v, type) and issubclass(v, nn.Module)]
    convs = [[prefix, m.in_channels, m.out_channels, list(m.kernel_size), list(m.padding)
              if not isinstance(m.padding, str) else m.padding, list(m.stride), m.groups, m.bias is not None]
             for prefix, m in obj.named_modules() if isinstance(m, nn.Conv2d)]
    params = [[n, list(p.shape)] for n, p in obj.named_parameters()]
    return {"is_module": True, "type": type(obj).__qualname__, "parameters": params,
            "num_parameters": sum(p.numel() for p in obj.parameters()),
            "list_attributes": listed, "class_attributes": classes, "convs": convs}


def probe_module(module: types.ModuleType, req: dict, phase: Phase) -> dict:
    """Build ``name()`` with a fixed seed and describe what it registered."""
    return _structure(_construct(module, req, phase))


def probe_forward(module: types.ModuleType, req: dict, phase: Phase) -> dict:
    """Build, load the grader's weights if given, run forward on the inputs, backpropagate the output's sum.

    Returns the weights used so the trusted side can replay them through the
    reference, and each parameter's gradient (None where it received none),
    which the trusted side checks against the reference's.
    """
    obj = _construct(module, req, phase)
    report = _structure(obj)
    if not report["is_module"]:
        return report
    if req.get("state"):
        _load(obj, req["state"])
    report["state"] = {n: p.detach().clone() for n, p in obj.named_parameters()}
    phase(f"{req['name']}.forward")
    out = obj(*req["inputs"])
    report["output"] = out
    if isinstance(out, torch.Tensor) and out.requires_grad:
        phase(f"{req['name']}.backward")
        out.sum().backward()
        report["gradients"] = {n: None if p.grad is None else p.grad.detach().clone()
                               for n, p in obj.named_parameters()}
    return report


def _load(obj: nn.Module, state: dict) -> None:
    """Set the module's parameters to the grader's values, by name and shape: the module must register
    exactly these, or nothing is loaded (the grader's replay assumes every weight is its own)."""
    params = dict(obj.named_parameters())
    have = {name: tuple(p.shape) for name, p in params.items()}
    want = {name: tuple(value.shape) for name, value in state.items()}
    if have != want:
        differ = sorted(set(have) ^ set(want)) or sorted(n for n in want if have[n] != want[n])
        raise ProbeFailure({"kind": "exception", "type": "RuntimeError",
                            "message": f"the grader's weights do not fit the module's parameters ({len(have)} "
                                       f"registered, {len(want)} expected; differing: {', '.join(differ[:3])})"})
    with torch.no_grad():
        for name, value in state.items():
            params[name].copy_(torch.as_tensor(value))


def probe_module_call(module: types.ModuleType, req: dict, phase: Phase) -> dict:
    """Build ``name()`` (the handout's own model when ``name`` is a specification), load the given
    weights if any, call ``function(model, *args)``; report the result and the weights afterwards (for
    init_weights- and train-like functions)."""
    if req["name"] in SPECIFICATIONS:
        torch.manual_seed(req["seed"])
        obj = SPECIFICATIONS[req["name"]]()
    else:
        obj = _construct(module, req, phase)
    if req.get("state") is not None:
        obj.load_state_dict(req["state"])
    fn = _lookup(module, req["function"])
    phase(req["function"])
    result = fn(obj, *req["args"], **req.get("kwargs", {}))
    return {"value": result, "state": {n: p.detach().clone() for n, p in obj.named_parameters()}}


def probe_containment(module: types.ModuleType, req: dict, phase: Phase) -> dict:
    """What a hostile submission would try: read the grader's files, others' environments, the network."""
    import ctypes
    import os
    import socket

    readable = []
    for path, device, inode in req["paths"]:
        try:
            seen = os.stat(path)
            if (seen.st_dev, seen.st_ino) != (device, inode):
                continue  # another file under the same name, such as the sandbox's own private /tmp
            if os.path.isdir(path):
                os.listdir(path)
            else:
                with open(path, "rb") as fh:
                    fh.read(1)
            readable.append(path)
        except OSError:
            pass
    environments = [f"/proc/{pid}/environ" for pid in req["pids"] if _readable(f"/proc/{pid}/environ")]
    ctypes.CDLL(None).prctl(4, 1, 0, 0, 0)  # PR_SET_DUMPABLE: as student code may, to read its own /proc files
    with open("/proc/self/environ", "rb") as fh:
        if req["variable"].encode() in fh.read() or req["variable"] in os.environ:
            environments.append("a variable planted in the grader's environment")
    interfaces = [name for _, name in socket.if_nameindex() if name != "lo"]
    return {"readable": readable, "environments": environments, "interfaces": interfaces}


def _readable(path: str) -> bool:
    try:
        with open(path, "rb") as fh:
            return bool(fh.read(1))
    except OSError:
        return False


PROBES: dict[str, Callable[[types.ModuleType, dict, Phase], dict]] = {
    "value": probe_value,
    "call": probe_call,
    "module": probe_module,
    "forward": probe_forward,
    "module_call": probe_module_call,
    "containment": probe_containment,
}


def run(module: types.ModuleType, student_file: str, doc: dict, arrays: Callable[[str], np.ndarray],
        phase: Phase) -> tuple[dict, dict[str, np.ndarray]]:
    """Answer one encoded request; returns the encoded response and its arrays."""
    out_arrays: dict[str, np.ndarray] = {}
    try:
        req = wire.decode(doc, arrays, callables=CALLABLES).value
        body = PROBES[req["probe"]](module, req, phase)
    except ProbeFailure as failure:
        return {"ok": False, "error": failure.info}, {}
    except BaseException as exc:  # noqa: BLE001 - SystemExit and KeyboardInterrupt from student code included
        return {"ok": False, "error": describe_exception(exc, student_file)}, {}
    try:
        return {"ok": True, "body": wire.encode(body, out_arrays)}, out_arrays
    except wire.WireError as exc:
        return {"ok": False, "error": {"kind": "unserializable", "message": str(exc)}}, {}
    except BaseException as exc:  # noqa: BLE001 - a student object that breaks while being read
        return {"ok": False, "error": describe_exception(exc, student_file)}, {}
