"""Verdicts on answers that are values: exact counts, booleans, formulas.

Each takes the student's decoded value and the reference's, and a table of
known wrong answers with the likely cause, so a listed mistake is named.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING, Any

import numpy as np

from .compare import as_number, describe
from .forked import ChildFailed, in_child, start_judge
from .sandbox.wire import SympyText
from .spec import Outcome, failed, passed

if TYPE_CHECKING:  # SymPy (0.2-0.5 s) is imported only where a formula is judged
    from .symbolic import UnknownName

MAX_EXTRA_NAMES = 3


@dataclass(frozen=True)
class Symbols:
    """The symbols a formula answer may use; ``positive_integers`` are widths and counts."""

    names: tuple[str, ...] = ()
    positive_integers: bool = True


Diagnoses = dict[Any, tuple[str, str]]  # wrong answer -> (likely cause, diagnosis code)


def as_integer(got: Any) -> int | None:
    """``got`` as an integer if it is one: an int, or any number whose value is whole (a count computed with
    ``/``, a fraction, a SymPy Integer, a tensor of one entry)."""
    if isinstance(got, int) and not isinstance(got, bool):
        return got
    if isinstance(got, np.ndarray) and got.size == 1 and got.dtype.kind in "iu":
        return int(got.reshape(-1)[0])
    if isinstance(got, SympyText) and re.fullmatch(r"-?\d{1,400}", got.text):
        return int(got.text)
    number = as_number(got)
    return int(number) if number is not None and number.is_integer() else None


def exact_count(name: str, got: Any, expected: int, known: Diagnoses | None = None) -> Outcome:
    """An integer that must equal ``expected`` exactly."""
    if as_integer(got) is None:
        return failed(f"{name} should be an int, got {describe(got)}", "wrong_type")
    got = as_integer(got)
    if got == expected:
        return passed()
    cause, code = (known or {}).get(got, (None, "wrong_value"))
    return failed(f"{name} = {got} is not the right count" + (f"\n  likely cause: {cause}" if cause else ""), code)


def truth_value(name: str, got: Any, expected: bool, why_wrong: str) -> Outcome:
    """A True/False answer; ``why_wrong`` explains the right one. NumPy's booleans and the integers 1 and 0
    are read as the truth values they stand for."""
    if isinstance(got, np.ndarray) and got.shape == () and got.dtype == bool:
        got = bool(got)
    elif isinstance(got, int) and not isinstance(got, bool) and got in (0, 1):
        got = bool(got)
    if not isinstance(got, bool):
        return failed(f"{name} should be True or False, got {describe(got)}", "wrong_type")
    if got == expected:
        return passed()
    return failed(f"{name} = {got} is not right: {why_wrong}", "wrong_value")


def start_formula_judge() -> None:
    """Start the process that judges formulas (forked.py), with SymPy, beside the grader's own start-up."""
    start_judge((__name__, f"{__package__}.symbolic"))


FORMULA_SECONDS = 20.0  # for reading and comparing one answer, in a child the grader kills at this deadline


def formula(name: str, got: Any, expected: str | int | float, symbols: Symbols | None = None,
            known: dict[str, tuple[str, str]] | None = None) -> Outcome:
    """A symbolic answer compared by mathematical equivalence, never by text.

    ``known`` maps wrong formulas (as text) to their likely cause. SymPy
    works on the student's text in a child process the grader can kill
    (``forked.py``): one of its C calls can hold the interpreter for minutes.
    """
    text = got.text if isinstance(got, SympyText) else str(got) if isinstance(got, Fraction) else got
    if not isinstance(text, (str, int, float)) or isinstance(text, bool):
        return failed(f"{name} should be a formula as a string (or a number), got {describe(got)}", "wrong_type")
    try:
        fraction, message, diagnosis = in_child(_judge_formula, name, text, expected, symbols, known,
                                                seconds=FORMULA_SECONDS)
    except ChildFailed as failure:
        return failed(f"{name} {failure.why}; write it in a simpler form", "unreadable")
    return Outcome(fraction, message, diagnosis)


def _judge_formula(name: str, text: str | int | float, expected: str | int | float, symbols: Symbols | None,
                   known: dict[str, tuple[str, str]] | None) -> tuple[float, str, str | None]:
    outcome = _formula_outcome(name, text, expected, symbols, known)
    return outcome.fraction, outcome.message, outcome.diagnosis


def _formula_outcome(name: str, text: str | int | float, expected: str | int | float, symbols: Symbols | None,
                     known: dict[str, tuple[str, str]] | None) -> Outcome:
    from .symbolic import AnswerError, UnknownName, equivalent, parse_answer, shown

    symbols = symbols or Symbols()
    try:
        answer = parse_answer(text, symbols)
    except UnknownName as exc:
        return _depends_on_other_names(name, text, symbols, exc)
    except AnswerError as exc:
        return failed(f"{name} could not be read: {exc}", "unreadable")
    want = parse_answer(expected, symbols)
    verdict = equivalent(answer, want)
    if verdict.equivalent:
        return passed()
    echo = f"we read your answer as {shown(answer)}"
    for wrong, (cause, code) in (known or {}).items():
        if equivalent(answer, parse_answer(wrong, symbols)).equivalent:
            return failed(f"{name} is not equivalent to the expected answer ({echo})\n  likely cause: {cause}", code)
    return failed(f"{name} is not equivalent to the expected answer ({echo}): {verdict.message}", "wrong_value")


def _depends_on_other_names(name: str, text: str, symbols: Symbols, unknown: UnknownName) -> Outcome:
    """An answer that reads fine once its undeclared names are symbols: it depends on what the answer does not."""
    from .symbolic import AnswerError, UnknownName, parse_answer, shown

    extra, first = [unknown.name], unknown
    while len(extra) <= MAX_EXTRA_NAMES:
        try:
            answer = parse_answer(text, Symbols(symbols.names + tuple(extra), symbols.positive_integers))
        except UnknownName as again:
            extra.append(again.name)
            continue
        except AnswerError:
            break
        depends = f"depends on {', '.join(symbols.names)} only" if symbols.names else "is a constant"
        return failed(f"{name} is not right: we read your answer as {shown(answer)}, which depends on "
                      f"{', '.join(extra)}; the answer {depends} (write products with *, e.g. n*m, not nm)",
                      "wrong_value")
    return failed(f"{name} could not be read: {first}", "unreadable")
