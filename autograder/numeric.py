"""Verdicts on the numbers a student's function returned: a number, an array, or a structure of arrays against
the expected one within a tolerance (float32's where the student computed in float32), a known mistake named
by the value it gives.

``known`` lists known mistakes as ``(cause, value)``: ``cause`` is ``(likely cause, diagnosis code)`` and
``value`` a function computing what the mistake returns, called only when the answer is wrong.
"""
from __future__ import annotations

import functools
from typing import Any, Callable, Iterable

import numpy as np

from .compare import WrongType, as_number, as_numbers, describe, mismatch
from .context import Returned
from .spec import Cause, Outcome, failed, first_cause, passed, with_cause

Known = Iterable[tuple[Cause, Callable[[], Any]]]
SHOWN_KEYS = 8


def named(causes: dict[str, Cause], values: Callable[[], dict[str, Any]]) -> Known:
    """Known mistakes from a table of causes by name and one function computing every name's value (once)."""
    once = functools.cache(values)
    return [(cause, lambda name=name: once()[name]) for name, cause in causes.items()]


def close_number(call: str, returned: Returned, expected: float, *, rtol: float = 1e-9, expected_text: str = "",
                 known: Known = ()) -> Outcome:
    """``call`` returned ``expected`` within ``rtol``; ``expected_text`` says how it is defined."""
    got = as_number(returned.value)
    if got is None:
        return failed(f"{call} should return a number, got {describe(returned.value)}", "wrong_type")
    rtol, _, note = returned.tolerance(rtol, 0.0)
    if np.isclose(got, expected, rtol=rtol, atol=0):
        return passed(note)
    message = f"{call} returned {got:.10g}, expected {expected_text}{' = ' if expected_text else ''}{expected:.10g}"
    return with_cause(message, first_cause((cause, lambda value=value: _same(value(), got, rtol, 0.0))
                                           for cause, value in known))


def close_array(call: str, returned: Returned, expected: np.ndarray, *, rtol: float, atol: float, known: Known = (),
                float32_atol: Callable[[], float] | None = None, against: str = "the reference",
                any_shape: bool = False, path: str = "") -> Outcome:
    """``call`` returned an array (at ``path`` in what it returned) equal to ``expected`` within tolerance.

    ``float32_atol``: how far a correct float32 answer may land (called for one only); ``any_shape``: the
    values are compared whatever the shape that holds them (another check judges the shape).
    """
    try:
        got, notes = returned.array(path)
    except WrongType as exc:
        return failed(f"{call} {exc}", "wrong_type")
    rtol, atol, precision = returned.tolerance(rtol, atol)
    precision = "" if np.asarray(expected).dtype == np.float32 else precision  # float32 was asked for
    if precision and float32_atol is not None:
        atol = max(atol, float32_atol())
    if any_shape and got.size == np.size(expected):
        got = got.reshape(np.shape(expected))
    problem = mismatch(expected, got, rtol=rtol, atol=atol)
    if problem is None:
        return passed("; ".join(notes + [precision] if precision else notes))
    return with_cause(f"{call} differs from {against}:\n{problem}",
                      first_cause((cause, lambda value=value: _same(value(), got, rtol, atol))
                                  for cause, value in known))


def _same(mistake: Any, got: Any, rtol: float, atol: float) -> bool:
    """Whether a wrong answer is what a known mistake gives, NaN and infinities where it gives them (it earns
    nothing either way: this only names the cause)."""
    mistake = np.asarray(mistake, dtype=float)
    return mistake.shape == np.shape(got) and bool(np.allclose(got, mistake, rtol=rtol, atol=atol, equal_nan=True))


def difference(expected: Any, got: Any, label: str, *, rtol: float, atol: float,
               against: str = "the reference") -> str | None:
    """How ``got`` differs from ``expected`` (an array, or dicts and lists of them, nested); None where it
    does not. A column of numbers is read as the vector it holds."""
    if isinstance(expected, dict):
        if not isinstance(got, dict):
            return f"{label} should be a dict with keys {', '.join(map(str, expected))}; got {describe(got)}"
        for key, want in expected.items():
            if key not in got:
                keys = ", ".join(map(repr, list(got)[:SHOWN_KEYS])) + (", ..." if len(got) > SHOWN_KEYS else "")
                return f"{label} has no {key!r} (its keys: {keys or 'none'})"
            found = difference(want, got[key], f"{label}[{key!r}]", rtol=rtol, atol=atol, against=against)
            if found:
                return found
        return None
    if isinstance(expected, (list, tuple)):
        if not isinstance(got, (list, tuple)) or len(got) != len(expected):
            return f"{label} should be a list of {len(expected)}, got {describe(got)}"
        return next((found for index, (want, value) in enumerate(zip(expected, got))
                     if (found := difference(want, value, f"{label}[{index}]", rtol=rtol, atol=atol,
                                             against=against))), None)
    value, expected = as_numbers(got), np.asarray(expected)
    if value is None:
        return f"{label} should be numbers, got {describe(got)}"
    if value.shape != expected.shape and np.squeeze(value).shape == np.squeeze(expected).shape:
        value = value.reshape(expected.shape)
    problem = mismatch(expected, value, rtol=rtol, atol=atol)
    return problem and f"{label} differs from {against}:\n{problem}"


def leaves_inputs(function: str, returned: Returned, arguments: tuple[str, ...], works: Callable[[], bool],
                  advice: str, see: str) -> Outcome:
    """``function`` left its arguments (named ``arguments`` in order) as they were, and works: the point is for
    a working function (check ``see`` judges its values) that keeps its caller's data."""
    if returned.mutated:
        names = " and ".join(_argument(path, arguments) for path in returned.mutated[:SHOWN_KEYS])
        return failed(f"{function} modified {names} in place; {advice}", "modified_input")
    if not works():
        return failed(f"{function} leaves its inputs as they were, but its values are wrong (see check {see}); this "
                      f"point counts for a working {function}", "wrong_value")
    return passed()


def _argument(path: str, arguments: tuple[str, ...]) -> str:
    """``0['W1']`` as ``params['W1']``: a position the worker reported, named as the handout does."""
    index = path.split("[", 1)[0]
    rest = path[len(index):]
    return (arguments[int(index)] if index.isdigit() and int(index) < len(arguments) else index) + rest
