"""Plain-data encoding of values that cross the sandbox boundary.

A value becomes a JSON document plus a dict of NumPy arrays, sent as ``.npy``
bytes after the document and read back with ``allow_pickle=False``. Nothing
executable and no pickle ever crosses: the trusted side decodes into builtin
types and arrays.
"""
from __future__ import annotations

import decimal
import hashlib
import io
import json
import re
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, Callable

import numpy as np

MAX_DEPTH = 32
MAX_ITEMS = 100_000
MAX_ARRAY_BYTES = 8 * 2**20  # see session.MAX_PAYLOAD_BYTES
MAX_TEXT = 2**20  # characters of all the strings of one decoded value
MAX_DIGITS = 4300  # of one number: Python's own limit for reading an int from text
ARRAY_NAME = re.compile(r"^a\d{1,6}$")
NUMERIC_KINDS = "biufc"  # the dtypes a check compares: booleans, integers, floats, complex numbers


class WireError(ValueError):
    """A value that cannot, or may not, cross the boundary."""


@dataclass
class ArrayInfo:
    """Where an array sat in a decoded value and what it was before crossing."""

    path: str
    lib: str
    dtype: str


@dataclass
class Decoded:
    value: Any
    arrays: list[ArrayInfo] = field(default_factory=list)
    items: int = 0  # how many objects decoding built: what holding the value costs besides its arrays


def encode(value: Any, arrays: dict[str, np.ndarray]) -> Any:
    """JSON-able form of ``value``; arrays are added to ``arrays`` by name."""
    budget = [MAX_ITEMS]
    return _encode(value, arrays, 0, budget)


def _encode(value: Any, arrays: dict[str, np.ndarray], depth: int, budget: list[int]) -> Any:
    budget[0] -= 1
    if depth > MAX_DEPTH or budget[0] < 0:
        raise WireError("value is nested too deeply or has too many items")
    if value is None or isinstance(value, (bool, str)):
        return bool(value) if isinstance(value, bool) else value
    if isinstance(value, CallableRef):
        return {"$callable": value.name}
    if isinstance(value, int):
        return {"$int": str(int(value))} if abs(value) >= 2**53 else int(value)
    if isinstance(value, float):
        return {"$float": repr(float(value))}
    if isinstance(value, complex):  # np.complex128 too, whose parts are NumPy floats: read as Python's
        return {"$complex": [repr(float(value.real)), repr(float(value.imag))]}
    if isinstance(value, (Fraction, decimal.Decimal)):  # exact numbers a student computed with: kept exact
        if isinstance(value, decimal.Decimal):
            if not value.is_finite():  # float() refuses a signalling NaN
                return {"$float": "nan" if value.is_nan() else repr(float(value))}
            if abs(value.adjusted()) > MAX_DIGITS:  # refused before its digits are computed
                raise WireError(f"a number with more than {MAX_DIGITS} digits")
        exact = Fraction(value)
        if max(exact.numerator.bit_length(), exact.denominator.bit_length()) > MAX_DIGITS * 3:  # 3 bits a digit
            raise WireError(f"a fraction with more than {MAX_DIGITS} digits")
        return {"$fraction": [str(exact.numerator), str(exact.denominator)]}
    if isinstance(value, np.generic) and not isinstance(value, np.object_):
        return {"$scalar": _encode(value.item(), arrays, depth + 1, budget), "dtype": str(value.dtype)}
    torch = _torch()
    if torch is not None and isinstance(value, torch.Tensor):
        data = value.detach().cpu()
        if data.dtype == torch.bfloat16:
            data = data.float()
        return _array(data.numpy(), arrays, lib="torch", dtype=str(value.dtype).removeprefix("torch."))
    if isinstance(value, np.ndarray):
        if value.dtype.hasobject:
            raise WireError("a NumPy array of Python objects (dtype=object)")
        return _array(value, arrays, lib="numpy", dtype=str(value.dtype))
    if isinstance(value, (list, tuple, set, frozenset)):
        # a subclass (a namedtuple, a list subclass) is what its base is: a sequence, never a set
        tag = "$list" if isinstance(value, list) else "$tuple" if isinstance(value, tuple) else "$set"
        items = sorted(value, key=repr) if tag == "$set" else value
        return {tag: [_encode(v, arrays, depth + 1, budget) for v in items]}
    if isinstance(value, dict):
        return {"$dict": [[_encode(k, arrays, depth + 1, budget), _encode(v, arrays, depth + 1, budget)]
                          for k, v in value.items()]}
    sympy = _sympy()
    if sympy is not None and isinstance(value, sympy.Basic):
        return {"$sympy": str(value)}
    return {"$opaque": type(value).__name__}


def digest(value: Any) -> str:
    """A hash of ``value``'s content (array bytes, shapes and dtypes included), for memo keys."""
    arrays: dict[str, np.ndarray] = {}
    doc = encode(value, arrays)
    hashed = hashlib.sha1(json.dumps(doc, sort_keys=True).encode())
    for name in sorted(arrays):
        hashed.update(f"{arrays[name].shape}{arrays[name].dtype}".encode() + arrays[name].tobytes())
    return hashed.hexdigest()


def _array(data: np.ndarray, arrays: dict[str, np.ndarray], lib: str, dtype: str) -> dict:
    if data.nbytes > MAX_ARRAY_BYTES:
        raise WireError(f"an array of {data.nbytes / 2**20:.0f} MiB (the limit is {MAX_ARRAY_BYTES // 2**20} MiB)")
    name = f"a{len(arrays)}"
    arrays[name] = np.ascontiguousarray(data).reshape(data.shape)  # ascontiguousarray makes 0-d arrays 1-d
    return {"$array": name, "lib": lib, "dtype": dtype}


def decode(doc: Any, arrays: dict[str, np.ndarray] | Callable[[str], np.ndarray],
           callables: dict[str, Callable] | None = None) -> Decoded:
    """Rebuild a value from its encoded form.

    ``callables`` maps ``{"$callable": name}`` markers to functions, and
    arrays that were tensors become tensors again; only the sandboxed side
    passes it, so the trusted side receives neither callables nor student
    tensors, just NumPy arrays.
    """
    fetch = arrays.__getitem__ if isinstance(arrays, dict) else arrays
    infos: list[ArrayInfo] = []
    budget = [MAX_ITEMS, MAX_TEXT]
    value = _decode(doc, fetch, callables, infos, "", 0, budget)
    return Decoded(value, infos, MAX_ITEMS - budget[0])


def _decode(doc: Any, fetch: Callable[[str], np.ndarray], callables: dict | None,
            infos: list[ArrayInfo], path: str, depth: int, budget: list[int]) -> Any:
    # counted while decoding, not after: a reply of a few MB can otherwise build millions of objects
    budget[0] -= 1
    if depth > MAX_DEPTH or budget[0] < 0:
        raise WireError("value is nested too deeply or has too many items")
    if isinstance(doc, str):
        budget[1] -= len(doc)
        if budget[1] < 0:
            raise WireError("value holds too much text")
    if doc is None or isinstance(doc, (bool, int, str)):
        return doc
    if isinstance(doc, list):
        return [_decode(v, fetch, callables, infos, f"{path}[{i}]", depth + 1, budget) for i, v in enumerate(doc)]
    if not isinstance(doc, dict) or len(doc) not in (1, 2, 3):
        raise WireError(f"malformed value at {path or 'top level'}")
    tag = next(iter(doc))
    body = doc[tag]
    sub = lambda v, p: _decode(v, fetch, callables, infos, p, depth + 1, budget)  # noqa: E731
    if tag in ("$int", "$float") and not (isinstance(body, str) and len(body) <= MAX_DIGITS):
        raise WireError(f"malformed number at {path or 'top level'}")
    if tag == "$int":
        return int(body)
    if tag == "$float":
        return float(body)
    if tag == "$complex":
        return complex(float(body[0]), float(body[1]))
    if tag == "$fraction":
        parts = [int(b) for b in body] if isinstance(body, list) and len(body) == 2 and all(
            isinstance(b, str) and 0 < len(b) <= MAX_DIGITS for b in body) else None
        if parts is None or parts[1] <= 0:
            raise WireError(f"malformed fraction at {path or 'top level'}")
        return Fraction(*parts)
    if tag == "$scalar":  # a NumPy scalar: its dtype is kept, as an array's is
        infos.append(ArrayInfo(path, "numpy", str(doc.get("dtype"))[:40]))
        return sub(body, path)
    if tag == "$array":
        if not isinstance(body, str) or not ARRAY_NAME.match(body):
            raise WireError("malformed array reference")
        data = fetch(body)
        if callables is None and data.dtype.kind not in NUMERIC_KINDS:
            # text, dates, records: nothing a check compares; the student's wrong type, never the grader's error
            return Opaque(f"array of dtype {data.dtype}"[:100])
        infos.append(ArrayInfo(path, str(doc.get("lib"))[:40], str(doc.get("dtype"))[:40]))
        if callables is not None and doc.get("lib") == "torch":
            return _torch().from_numpy(np.array(data))
        return data
    if tag in ("$list", "$tuple", "$set"):
        if not isinstance(body, list):
            raise WireError(f"malformed {tag[1:]} at {path or 'top level'}")
        items = [sub(v, f"{path}[{i}]") for i, v in enumerate(body)]
        if tag == "$tuple":
            return tuple(items)
        return frozenset(_hashable(v) for v in items) if tag == "$set" else items
    if tag == "$dict":
        out = {}
        for k, v in body:
            key = _hashable(sub(k, path))
            out[key] = sub(v, f"{path}[{key!r}]")
        return out
    if tag == "$sympy":
        return SympyText(str(body))
    if tag == "$opaque":
        return Opaque(str(body)[:100])
    if tag == "$callable" and callables is not None:
        return callables[str(body)]
    raise WireError(f"unknown tag {tag!r}")


def _hashable(value: Any) -> Any:
    """A set item or dict key as Python would have hashed it: arrays (tensors in the student's set) as numbers."""
    if isinstance(value, (list, tuple)):
        return tuple(_hashable(v) for v in value)
    if isinstance(value, np.ndarray):
        return _hashable(value.tolist()) if value.ndim else value.item()
    try:
        hash(value)
    except TypeError:
        raise WireError(f"a set item or dict key of type {type(value).__name__}") from None
    return value


@dataclass(frozen=True)
class SympyText:
    """A SymPy expression the student returned, as the text it printed to.

    The trusted side re-parses it through the whitelist parser, never eval.
    """

    text: str


@dataclass(frozen=True)
class Opaque:
    """A value of a type that cannot cross; only its type name is kept."""

    type_name: str


@dataclass(frozen=True)
class CallableRef:
    """A harness-built function, named here and supplied by the sandboxed side."""

    name: str


def callable_ref(name: str) -> CallableRef:
    return CallableRef(name)


# dtypes that cross as their raw bytes, described by this text (NumPy's ``dtype.str``): numbers, booleans, text
# and dates; anything else (records) crosses as ``.npy`` bytes, read back without pickle
PLAIN_DTYPE = re.compile(r"^[<>|=]?(?:[biufc]\d{1,2}|[US]\d{1,9}|[mM]8(?:\[\d{0,9}[A-Za-z]{1,2}\])?)$")


def pack(arrays: dict[str, np.ndarray]) -> tuple[dict[str, int], dict[str, list], bytes]:
    """Arrays as concatenated bytes, each one's size, and the dtype and shape of those that are raw bytes."""
    sizes, layouts, chunks = {}, {}, []
    for name, data in arrays.items():
        if PLAIN_DTYPE.match(data.dtype.str):
            chunks.append(np.ascontiguousarray(data).tobytes())
            layouts[name] = [data.dtype.str, list(data.shape)]
        else:
            buffer = io.BytesIO()
            np.save(buffer, data, allow_pickle=False)
            chunks.append(buffer.getvalue())
        sizes[name] = len(chunks[-1])
    return sizes, layouts, b"".join(chunks)


def frame(doc: dict, arrays: dict[str, np.ndarray]) -> bytes:
    """One message: a JSON line naming the arrays' sizes (and layouts), then their bytes."""
    sizes, layouts, payload = pack(arrays)
    return json.dumps({**doc, "sizes": sizes, "layouts": layouts}).encode() + b"\n" + payload


def unpack(sizes: dict, payload: bytes, layouts: Any = None) -> dict[str, np.ndarray]:
    """The arrays of one message: raw bytes where ``layouts`` describes them, checked against their size, else
    ``.npy`` bytes; pickled (object) arrays are refused."""
    if not all(isinstance(name, str) and ARRAY_NAME.match(name) and isinstance(size, int) and size >= 0
               for name, size in sizes.items()):
        raise WireError("malformed array table")
    if sum(sizes.values()) != len(payload):
        raise WireError("array sizes do not add up")
    layouts = {} if layouts is None else layouts
    if not isinstance(layouts, dict) or not set(layouts) <= set(sizes):
        raise WireError("malformed array layouts")
    arrays, offset = {}, 0
    for name, size in sizes.items():
        if name in layouts:
            dtype, shape = _layout(layouts[name], size)
            arrays[name] = np.frombuffer(payload, dtype, size // dtype.itemsize, offset).reshape(shape).copy() \
                if dtype.itemsize else np.zeros(shape, dtype)  # copied: aligned, and writable as np.load's are
        else:
            arrays[name] = np.load(io.BytesIO(payload[offset:offset + size]), allow_pickle=False)
        offset += size
    return arrays


def _layout(layout: Any, size: int) -> tuple[np.dtype, tuple[int, ...]]:
    """The dtype and shape a layout names, if they are plain and hold exactly ``size`` bytes."""
    if not (isinstance(layout, list) and len(layout) == 2 and isinstance(layout[0], str)
            and PLAIN_DTYPE.match(layout[0]) and isinstance(layout[1], list) and len(layout[1]) <= MAX_DEPTH
            and all(isinstance(n, int) and not isinstance(n, bool) and 0 <= n < 2**31 for n in layout[1])):
        raise WireError("malformed array layout")
    dtype, shape = np.dtype(layout[0]), tuple(layout[1])
    if dtype.hasobject or dtype.itemsize * int(np.prod(shape, dtype=object)) != size:
        raise WireError("an array's layout does not match its size")
    return dtype, shape


def _torch():
    import sys
    return sys.modules.get("torch")


def _sympy():
    import sys
    return sys.modules.get("sympy")
