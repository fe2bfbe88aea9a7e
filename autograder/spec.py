"""How a check is declared: gradescope-utils' vocabulary on one function.

A check is a function of the grading context returning an ``Outcome``;
``@check`` attaches its number, weight, visibility, tags and whether it may
give partial credit, using gradescope-utils' own decorators so the
attributes are the ones its users know (``__weight__``, ``__number__``, ...).
"""
from __future__ import annotations

import re
import types
from dataclasses import dataclass, replace
from typing import Callable, Iterable

from gradescope_utils.autograder_utils.decorators import number, tags, visibility, weight

from .policy import Forbidden

VISIBILITIES = ("visible", "hidden", "after_due_date", "after_published")


@dataclass(frozen=True)
class Outcome:
    """A check's verdict: the fraction of its weight earned and why.

    ``diagnosis`` names a known mistake (an "answer note"), so batch reports
    can count how many students made it.
    """

    fraction: float
    message: str = ""
    diagnosis: str | None = None


def passed(message: str = "") -> Outcome:
    return Outcome(1.0, message)


def failed(message: str, diagnosis: str | None = None) -> Outcome:
    return Outcome(0.0, message, diagnosis)


def with_note(outcome: Outcome, note: str) -> Outcome:
    """The same verdict, with ``note`` told after its message."""
    return replace(outcome, message="\n".join(filter(None, [outcome.message, note])))


Cause = tuple[str, str]  # a known mistake: the likely cause, in words for the student, and its diagnosis code


def with_cause(message: str, cause: Cause | None, diagnosis: str | None = None) -> Outcome:
    """A failure whose message ends with the known mistake's ``likely cause:`` line (reports pick that line
    out), diagnosed with its code; without one, plain ``failed(message, diagnosis)``."""
    if not cause:
        return failed(message, diagnosis)
    return failed(f"{message}\n  likely cause: {cause[0]}", cause[1])


def first_cause(mistakes: Iterable[tuple[Cause, Callable[[], bool]]]) -> Cause | None:
    """The first listed mistake whose test holds (each test replays the mistake and compares the student's
    value with it, only when reached)."""
    return next((cause for cause, holds in mistakes if holds()), None)


def partial(fraction: float, message: str, diagnosis: str | None = None) -> Outcome:
    return Outcome(max(0.0, min(1.0, fraction)), message, diagnosis)


def first_failure(cases: Iterable[Outcome]) -> Outcome:
    """The first case that fails (cases are run in turn, and a failure stops the rest); else a pass with
    the cases' notes."""
    notes: dict[str, None] = {}
    for outcome in cases:
        if outcome.fraction < 1.0:
            return outcome
        if outcome.message:
            notes[outcome.message] = None
    return passed("; ".join(notes))


def share_of_cases(cases: list[tuple[str, Outcome]]) -> Outcome:
    """Partial credit for the share of cases passed, explained by the first failure and by every other
    known cause among the failures (a later case may show a mistake the first one hides)."""
    failures = [(label, o) for label, o in cases if o.fraction < 1.0]
    if not failures:
        return passed()
    label, first = failures[0]
    head, *rest = first.message.splitlines() or [""]
    # the first line says what failed: reports that show one line show it whole
    lines = [f"{len(cases) - len(failures)} of {len(cases)} cases correct; first failure, {label}: {head}", *rest]
    told = {first.diagnosis}
    for other_label, other in failures[1:]:
        cause = next((line.strip() for line in other.message.splitlines() if "likely cause:" in line), None)
        if cause and other.diagnosis not in told:
            told.add(other.diagnosis)
            lines.append(f"also, in {other_label}: {cause}")
    return partial((len(cases) - len(failures)) / len(cases), "\n".join(lines), first.diagnosis)


@dataclass(frozen=True)
class Check:
    number: str
    title: str
    weight: float
    visibility: str
    tags: tuple[str, ...]
    partial_credit: bool
    run: Callable
    forbid: Forbidden | None = None
    ahead: Callable | None = None  # ctx -> the check's costliest Call, which a second worker may start at once

    @property
    def name(self) -> str:
        return f"{self.number} {self.title}"

    def concerns(self, name: str) -> bool:
        """Whether the check is about ``name``: it is a word of its title or one of its tags."""
        return name in self.tags or re.search(rf"(?<![\w.]){re.escape(name)}\b", self.title) is not None


def check(num: str, points: float, *, visible: str = "visible", tag: tuple[str, ...] = (),
          partial_credit: bool = False, forbid: Forbidden | None = None,
          ahead: Callable | None = None) -> Callable[[Callable], Callable]:
    """Declare a check; its docstring's first line is its title. ``forbid``: calls the course does not accept
    in the functions the check grades (policy.py); their use scores 0, with the handout's reason. ``ahead``:
    ``ctx -> Call``, a costly call the check makes, that a second worker may answer meanwhile (ahead.py)."""
    if visible not in VISIBILITIES:
        raise ValueError(f"visibility must be one of {VISIBILITIES}")
    if visible == "hidden" and points:
        # Gradescope keeps hidden for tests that do not count: a hidden test with points leaves students a
        # total that their listed tests do not add up to
        raise ValueError(f"check {num} carries points: use after_due_date or after_published, not hidden")

    def declare(func: Callable) -> Callable:
        func = weight(points)(number(num)(visibility(visible)(tags(*tag)(func))))
        func.__partial_credit__ = partial_credit
        func.__forbid__ = forbid
        func.__ahead__ = ahead
        return func

    return declare


def collect(module: types.ModuleType) -> list[Check]:
    """The checks a module declares, in the order of their numbers."""
    found = [Check(f.__number__, (f.__doc__ or f.__name__).strip().splitlines()[0], float(f.__weight__),
                   f.__visibility__, tuple(f.__tags__), f.__partial_credit__, f, f.__forbid__, f.__ahead__)
             for f in vars(module).values() if callable(f) and hasattr(f, "__partial_credit__")]
    return sorted(found, key=lambda c: tuple(int(p) for p in c.number.split(".")))
