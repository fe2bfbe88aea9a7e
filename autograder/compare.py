"""Numeric comparison of a student's result with the reference, and its report.

A report says what was expected, what came back, how many entries differ,
and where the largest difference is, the way numpy.testing does, but in the
student's terms: shapes first, then non-finite values, then the numbers.
"""
from __future__ import annotations

import re
from fractions import Fraction
from typing import Any

import numpy as np

from .sandbox.wire import ArrayInfo, Opaque, SympyText


LOW_PRECISION = ("float32", "float16", "bfloat16")
# float32 rounding in a small solve or sum stays below 1e-6 relative; every known wrong variant differs by
# more than 1e-3 (the product formula of output_variance by 7e-3, a doubled lamda by 4e-3 at the least)
FLOAT32_RTOL, FLOAT32_ATOL = 1e-5, 1e-6


def float32_rounding(exact: list[np.ndarray], rounded: list[Any], floor: float) -> float:
    """An absolute tolerance for a float32 answer, measured: ten times the furthest a right computation in
    float32 (``rounded``) lands from the exact one, entry by entry, and at least ``floor``."""
    return max(floor, 10.0 * max(float(np.abs(np.asarray(r, dtype=float) - e).max()) for e, r in zip(exact, rounded)))


def at_precision(rtol: float, atol: float, infos: list[ArrayInfo]) -> tuple[float, float, str]:
    """Tolerances for a student value: float32 rounding anywhere in its computation is allowed, whatever
    dtype it comes back in (np.eye and friends upcast); a value that is float32 gets a note saying so."""
    low = sorted({i.dtype for i in infos if i.dtype in LOW_PRECISION})
    note = f"compared at float32 precision: your value is {low[0]}" if low else ""
    return max(rtol, FLOAT32_RTOL), max(atol, FLOAT32_ATOL), note


class WrongType(ValueError):
    """A returned value that is not usable as the array or number asked for."""


def describe(value: Any) -> str:
    """A short, safe description of a decoded student value."""
    if isinstance(value, np.ndarray):
        return f"an array of shape {value.shape} ({value.dtype})"
    if isinstance(value, Opaque):
        return f"an object of type {value.type_name}"
    if isinstance(value, SympyText):
        return f"the SymPy expression {value.text}"
    if isinstance(value, Fraction):
        return f"the fraction {value}"
    if isinstance(value, (list, tuple, set, frozenset, dict)):
        return f"a {type(value).__name__} of length {len(value)}"
    text = repr(value)
    return f"{type(value).__name__} {text if len(text) < 60 else text[:57] + '...'}"


# what SymPy prints for a number it holds (Integer, Rational, Float): read without SymPy, exactly
SYMPY_NUMBER = re.compile(r"-?\d{1,400}(?:/\d{1,400}|\.\d{1,400}(?:e[+-]?\d{1,3})?)?")


def as_number(value: Any) -> float | None:
    """A number a student returned: an int, a float or a fraction (never a bool), a SymPy number, or an array
    of one real number; else None. A number too large for a float raises OverflowError, which the grader
    reports as such."""
    if isinstance(value, np.ndarray) and value.size == 1 and value.dtype.kind in "iuf":
        return float(value.reshape(-1)[0])
    if isinstance(value, (int, float, np.integer, np.floating, Fraction)) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, SympyText) and SYMPY_NUMBER.fullmatch(value.text):
        return float(Fraction(value.text))
    return None


def as_numbers(value: Any) -> np.ndarray | None:
    """Real numbers a student returned (an array, a number, nested lists of them) as a float array; else None."""
    if isinstance(value, (Opaque, SympyText, str, bytes, dict, set, frozenset)) or value is None:
        return None
    try:
        array = np.asarray(value)
    except (TypeError, ValueError):  # ragged lists
        return None
    if array.dtype == object:  # fractions or SymPy numbers among the numbers
        numbers = [as_number(v) for v in array.flat]
        if None not in numbers:
            array = np.array(numbers).reshape(array.shape)
    if array.dtype.kind not in "iuf":  # complex numbers, booleans, text and objects are no real numbers
        return None
    with np.errstate(over="ignore"):
        return array.astype(float)


def as_array(value: Any, infos: list[ArrayInfo], path: str, *, lib: str = "numpy",
             dtype: str = "float64") -> tuple[np.ndarray, list[str]]:
    """The value at ``path`` as a float array, with notes on any conversion made.

    Returning the other library's array, float32 for float64 or the reverse,
    or a list of numbers is converted and noted, not failed.
    """
    notes: list[str] = []
    info = next((i for i in infos if i.path == path), None)
    if isinstance(value, np.ndarray):
        if info is not None and info.lib != lib:
            notes.append(f"returned a {_lib_name(info.lib)}; converted to a {_lib_name(lib)}")
        if info is not None and info.dtype.startswith("float") and info.dtype != dtype:
            notes.append(f"returned {info.dtype}; compared as {dtype}")
        if value.dtype.kind not in "biuf":
            raise WrongType(f"returned an array of dtype {value.dtype}, expected numbers")
        return value.astype(dtype), notes
    number = as_number(value)
    if number is not None:
        return np.asarray(number, dtype=dtype), notes
    if isinstance(value, (list, tuple)):
        try:
            array = np.asarray(value, dtype=dtype)
        except (TypeError, ValueError):
            array = as_numbers(value)  # SymPy numbers among the numbers
            if array is None:
                raise WrongType(f"returned {describe(value)}, expected a {_lib_name(lib)}") from None
            array = array.astype(dtype)
        notes.append(f"returned a Python {type(value).__name__}; converted to a {_lib_name(lib)}")
        return array, notes
    raise WrongType(f"returned {describe(value)}, expected a {_lib_name(lib)}")


def _lib_name(lib: str) -> str:
    return {"torch": "torch.Tensor", "numpy": "NumPy array"}.get(lib, lib)


def mismatch(expected: np.ndarray, got: np.ndarray, *, rtol: float, atol: float) -> str | None:
    """None when ``got`` matches ``expected`` within tolerance; else what differs."""
    expected, got = np.asarray(expected, dtype=float), np.asarray(got, dtype=float)
    if expected.shape != got.shape:
        return f"expected shape {expected.shape}, got shape {got.shape}" + (
            f": {TRANSPOSED}" if _transposed(expected, got, rtol, atol) else "")
    bad_finite = ~np.isfinite(got) & np.isfinite(expected)
    if bad_finite.any():
        where = _index(np.argwhere(bad_finite)[0])
        return f"{int(bad_finite.sum())} of {got.size} entries are NaN or infinite (first at {where}: {got[tuple(np.argwhere(bad_finite)[0])]})"
    ok = _entries_close(expected, got, rtol, atol)
    if ok.all():
        return None
    diff = np.atleast_1d(np.abs(got - expected)).reshape(got.shape)  # an array even for 0-d values
    diff[~np.isfinite(diff)] = 0.0
    worst = np.unravel_index(int(np.argmax(np.where(ok, -1.0, diff))), diff.shape) if diff.ndim else ()
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        rel = diff / np.maximum(np.abs(expected), np.finfo(float).tiny)
    error = f"abs error {diff[worst]:.3g}, rel error {rel[worst]:.3g}"
    if expected.size == 1:  # one number: what it is and what was expected, first
        lines = [f"expected {expected[worst]:.6g}, got {got[worst]:.6g} ({error}; tolerance rtol={rtol:g}, "
                 f"atol={atol:g})"]
    else:
        at = int(np.ravel_multi_index(worst, diff.shape))
        lines = [f"{int((~ok).sum())} of {ok.size} entries differ (tolerance rtol={rtol:g}, atol={atol:g})",
                 f"largest difference at {_index(worst)}: expected {expected[worst]:.6g}, got {got[worst]:.6g} "
                 f"({error})", f"expected {_preview(expected, at)}", f"got      {_preview(got, at)}"]
    pattern = _pattern(expected, got, rtol, atol)
    return "\n".join(lines + ([pattern] if pattern else []))


TRANSPOSED = "your array is the transpose of the expected one (rows and columns swapped)"
# factors a formula is often off by: a sign, a 2 or 1/2 of a derivative or a mean, a count
SIMPLE_FACTORS = (-1, 2, Fraction(1, 2), -2, Fraction(-1, 2), 4, Fraction(1, 4), 3, Fraction(1, 3), 5, Fraction(1, 5))


def _pattern(expected: np.ndarray, got: np.ndarray, rtol: float, atol: float) -> str | None:
    """What a wrong value of the right shape is, where it is a plain transform of the expected one."""
    if not (np.isfinite(expected).all() and np.isfinite(got).all()):
        return None
    if _transposed(expected, got, rtol, atol):
        return TRANSPOSED
    if np.abs(expected).max(initial=0.0) <= atol:  # all but zero: any factor would fit
        return None
    values, them = ("your value is", "the expected one") if expected.size == 1 else \
        ("your values are", "the expected ones")
    factor = next((f for f in SIMPLE_FACTORS if matches(float(f) * expected, got, rtol=rtol, atol=atol)), None)
    if factor is None:
        return None
    return f"{values} {them} with the sign flipped" if factor == -1 else \
        f"{values} {factor} times {them}: a constant factor is off"


def _transposed(expected: np.ndarray, got: np.ndarray, rtol: float, atol: float) -> bool:
    """Whether ``got`` is the transpose of the matrix ``expected`` (of another shape, or a square one)."""
    return expected.ndim == 2 and expected.size > 1 and matches(expected.T, got, rtol=rtol, atol=atol)


def _entries_close(expected: np.ndarray, got: np.ndarray, rtol: float, atol: float) -> np.ndarray:
    # NaN never equals NaN: a replay of NaN weights must not pass
    return np.isclose(got, expected, rtol=rtol, atol=atol, equal_nan=False)


def _index(index: Any) -> str:
    index = tuple(int(i) for i in np.atleast_1d(index)) if np.size(index) else ()
    return "[" + ", ".join(map(str, index)) + "]" if index else "the scalar"


def _preview(array: np.ndarray, at: int, count: int = 6) -> str:
    """A few entries of the flattened array around entry ``at`` (the largest difference), not merely the
    first ones, which are often zeros."""
    flat = array.ravel()
    start = max(0, min(at - count // 2, flat.size - count))
    shown = ", ".join(f"{v:.5g}" for v in flat[start:start + count])
    before, after = ("..., " if start else ""), (", ..." if start + count < flat.size else "")
    return f"[{before}{shown}{after}] (flat entries {start}..{min(start + count, flat.size) - 1} of shape {array.shape})"


def matches(expected: Any, got: np.ndarray, *, rtol: float, atol: float) -> bool:
    """Whether ``got`` equals ``expected`` within tolerance (shapes must agree): ``mismatch`` finds nothing,
    found without writing its report (known mistakes are tested this way, many to a wrong answer)."""
    expected, got = np.asarray(expected, dtype=float), np.asarray(got, dtype=float)
    return expected.shape == got.shape and bool(_entries_close(expected, got, rtol, atol).all())
