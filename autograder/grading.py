"""Running an assignment's checks against one submission."""
from __future__ import annotations

import secrets
import sys
import time
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, TextIO

from .assignments import Assignment, load
from .context import Context
from .fixtures import NoFixture
from .sandbox import ForkServer, InProcessSession, Session, StudentFailure, UnavailableSession, WorkerSession
from .submission import NoSubmission, prepare
from .spec import Check, Outcome, failed


@dataclass(frozen=True)
class Result:
    check: Check
    outcome: Outcome
    seconds: float

    @property
    def score(self) -> float:
        return round(self.check.weight * self.outcome.fraction, 4)

    @property
    def passed(self) -> bool:
        return self.outcome.fraction >= 1.0


def grader_error(log: TextIO, where: str) -> Outcome:
    """A zero with a reference id for the student; the traceback goes to the staff log only."""
    ref = secrets.token_hex(4)
    print(f"grader error {ref} in {where}:\n{traceback.format_exc()}", file=log)
    return failed(f"grader error (reference {ref}): this check could not be run. "
                  "Your code may be fine; please tell the course staff the reference.", "grader_error")


def run_checks(assignment: Assignment, session: Session, *, seed: int = 0, log: TextIO = sys.stderr,
               select: Callable[[Check], bool] | None = None) -> list[Result]:
    """Every (selected) check's result; student failures and grader faults cost only their own check."""
    ctx = Context(session, seed)
    results = []
    for check in assignment.checks:
        if select is not None and not select(check):
            continue
        start = time.perf_counter()
        try:
            outcome = check.run(ctx)
            if not check.partial_credit and 0.0 < outcome.fraction < 1.0:
                raise AssertionError(f"check {check.number} gave partial credit without partial_credit=True")
        except StudentFailure as failure:
            outcome = failed(failure.message, failure.kind)
        except NoFixture as missing:  # a student bundle only
            outcome = failed(f"not checked here: {missing}, which depend on your code's output; "
                             "Gradescope will check it", "offline")
        except Exception:  # noqa: BLE001 - a fault of the grader, not the student
            outcome = grader_error(log, f"check {check.name}")
        results.append(Result(check, outcome, time.perf_counter() - start))
    return results


@dataclass
class Graded:
    """One submission's results and what the student should know about how it was read."""

    results: list[Result]
    notes: list[str]
    student_output: str
    seconds: float

    @property
    def score(self) -> float:
        return round(sum(r.score for r in self.results), 4)


def grade(assignment_name: str, path: Path, server: ForkServer | None, *, seed: int = 0,
          select: Callable[[Check], bool] | None = None, log: TextIO = sys.stderr) -> Graded:
    """Grade the submission at ``path``.

    ``server`` is a fork server started before any reference was loaded;
    None runs student code in this process (the benchmark's floor only).
    """
    start = time.perf_counter()
    notes: list[str] = []
    try:
        prepared = prepare(assignment_name, path)
        notes = prepared.notes
        session: Session = (WorkerSession(server, prepared.source, assignment_name) if server is not None
                            else InProcessSession(prepared.source, assignment_name))
    except NoSubmission as exc:
        session = UnavailableSession(StudentFailure("no_submission", str(exc)))
        notes = [str(exc)]
    try:
        results = run_checks(load(assignment_name), session, seed=seed, log=log, select=select)
    finally:
        session.close()
    return Graded(results, notes, session.output(), time.perf_counter() - start)
