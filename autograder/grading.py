"""Running an assignment's checks against one submission."""
from __future__ import annotations

import secrets
import sys
import tempfile
import threading
import time
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, TextIO

from .ahead import Answers, second_worker_limits, spare_core
from .answers import start_formula_judge
from .assignments import GRADER_ROOT, Assignment, calls_ahead, judges_formulas, load, reference_path
from .context import Context
from . import notebook
from .fixtures import CACHE_DIR, PRECOMPUTED_DIR, NoFixture
from .policy import forbidden_uses
from .seeds import SECRET_FILE, inputs_seed
from .sandbox import InProcessSession, Server, Session, StudentFailure, UnavailableSession, WorkerSession, launch
from .sandbox.containment import Containment, verify
from .submission import NoSubmission, prepare
from .spec import Check, Outcome, failed, with_note


def secret_paths(assignment: str, submissions: list[Path]) -> list[Path]:
    """What student code must never read: the reference, the checks, the expected values precomputed for a
    secret seed, the submissions and their folders."""
    checks = GRADER_ROOT / "autograder" / "assignments"
    paths = [reference_path(assignment), checks / f"{assignment}.py", checks, PRECOMPUTED_DIR, CACHE_DIR,
             SECRET_FILE] + [
        p for s in submissions for p in (s.resolve(), s.resolve().parent)]
    return list(dict.fromkeys(paths))


def start_server(assignment: str, submissions: list[Path], *, unconfined: bool = False,
                 also_secret: list[Path] = (), twin: bool = True) -> tuple[Server, Containment]:
    """A server whose workers were probed and found contained (else ContainmentError); a fork server where
    Linux allows, else the portable server, which only ``unconfined`` accepts.

    The checks are loaded while the fork server starts, so the probe costs
    little more than one worker. ``twin``: where the assignment has calls
    ahead and a core is spare, a second fork server (``server.twin``) for
    the worker that answers them (ahead.py), probed beside the first.
    """
    # SymPy (0.2-0.5 s) is imported beside the grader's own start-up, not before it: by the judge of
    # formulas, and by the fork server for student code (a student may answer with a SymPy expression, and
    # where the sandbox account cannot read the installation, only what the server imported can be imported)
    formulas = judges_formulas(assignment)
    if formulas:
        start_formula_judge()
    server = launch(("sympy",) if formulas else ())
    if twin and getattr(server, "forked", False) and calls_ahead(assignment) and spare_core():
        server.twin = launch(("sympy",) if formulas else ())  # forked too: before anything secret is loaded
    try:
        load(assignment)
        paths = secret_paths(assignment, submissions) + list(also_secret)
        twin_probe = threading.Thread(target=_keep_contained_twin, args=(server, paths, unconfined), daemon=True)
        if server.twin is not None:
            twin_probe.start()
        found = verify(server, paths, allow_unconfined=unconfined)
        if server.twin is not None:
            twin_probe.join()
    except BaseException:
        server.close()
        raise
    return server, found


def _keep_contained_twin(server: Server, paths: list[Path], unconfined: bool) -> None:
    """Probe the twin as the server is probed, at the same time; one that is not contained is not used."""
    try:
        verify(server.twin, paths, allow_unconfined=unconfined)
    except Exception:  # noqa: BLE001 - a twin that cannot be trusted, or failed to start: grading goes on without
        server.twin.close()
        server.twin = None


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


def run_checks(assignment: Assignment, session: Session, *, seed: int = 0, shared_seed: int | None = None,
               source: str = "", log: TextIO = sys.stderr, select: Callable[[Check], bool] | None = None,
               on_result: Callable[[Result], None] = lambda result: None,
               twin: WorkerSession | None = None) -> list[Result]:
    """Every (selected) check's result; student failures and grader faults cost only their own check.
    ``twin``: a second session of the submission, given the checks' calls ahead (ahead.py)."""
    ctx = Context(session, seed, shared_seed)
    selected = [c for c in assignment.checks if select is None or select(c)]
    if twin is not None and session.imported():  # not before: what a submission does at import, it does once
        ctx.ahead = Answers(twin, [c.ahead(ctx) for c in selected if c.ahead is not None])
    results = []
    told: dict[str, str] = {}  # a failure that stops every check (no submission, an import that failed): said once
    for check in selected:
        start = time.perf_counter()
        uses = forbidden_uses(source, check.forbid) if check.forbid else []
        try:
            if uses and check.forbid.costs_points:
                outcome = failed(f"{check.forbid.why}; this check gives no points for it, whatever the values "
                                 f"(found: {'; '.join(uses[:3])})", "forbidden")
            else:
                outcome = check.run(ctx)
            if uses and not check.forbid.costs_points:
                outcome = with_note(outcome, f"note: {check.forbid.why} (found: {'; '.join(uses[:3])})")
            if not check.partial_credit and 0.0 < outcome.fraction < 1.0:
                raise AssertionError(f"check {check.number} gave partial credit without partial_credit=True")
        except StudentFailure as failure:
            outcome = failed(failure.message, failure.kind)
            if failure.kind in ("no_submission", "import_failed"):
                if failure.message in told:
                    outcome = failed(f"not run, for the reason given in check {told[failure.message]}", failure.kind)
                told.setdefault(failure.message, check.number)
        except OverflowError:  # a student number too large for a float (10**400): never the grader's own
            outcome = failed("a number your code returned is too large to compare (it overflows a float)",
                             "wrong_type")
        except NoFixture as missing:  # a student bundle only
            outcome = failed(f"not checked here: {missing}, which depend on your code's output; "
                             "Gradescope will check it", "offline")
        except Exception:  # noqa: BLE001 - a fault of the grader, not the student
            outcome = grader_error(log, f"check {check.name}")
        results.append(Result(check, outcome, time.perf_counter() - start))
        on_result(results[-1])
    return results


@dataclass
class Graded:
    """One submission's results and what the student should know about how it was read."""

    results: list[Result]
    notes: list[str]
    student_output: str
    seconds: float
    seed: int = 0  # the base seed (the course's, or the practice seed)
    inputs_seed: int = 0  # this submission's own, derived from it and the base seed

    @property
    def score(self) -> float:
        return round(sum(r.score for r in self.results), 4)


@dataclass
class Opened:
    """A submission ready for its checks: the session serving it, and how it was read."""

    path: Path
    session: Session
    notes: list[str]
    inputs: int  # the seed of its inputs
    source: str  # its text as the policy reads it
    twin: WorkerSession | None = None  # where the server has a twin: the session that answers calls ahead


def open_submission(assignment_name: str, path: Path, server: Server | None, *, seed: int = 0,
                    per_submission: bool = True) -> Opened:
    """The submission at ``path`` in a session of ``server`` (in this process where None); see ``grade``."""
    with tempfile.TemporaryDirectory(prefix="autograder-submission-") as folder:
        try:
            prepared = prepare(assignment_name, path, Path(folder))
            inputs = inputs_seed(seed, prepared.original.read_bytes()) if per_submission else seed
            session: Session = (WorkerSession(server, prepared.source, assignment_name) if server is not None
                                else InProcessSession(prepared.source, assignment_name))
            twin = getattr(server, "twin", None)
            return Opened(path, session, prepared.notes, inputs, prepared.static_source,
                          WorkerSession(twin, prepared.source, assignment_name, limits=second_worker_limits())
                          if twin is not None else None)
        except NoSubmission as exc:
            return Opened(path, UnavailableSession(StudentFailure("no_submission", str(exc))), [str(exc)], seed, "")


def grade(assignment_name: str, path: Path, server: Server | None, *, seed: int = 0, per_submission: bool = True,
          select: Callable[[Check], bool] | None = None, log: TextIO = sys.stderr,
          on_result: Callable[[Result], None] = lambda result: None, opened: Opened | None = None,
          ended: Callable[[], None] = lambda: None) -> Graded:
    """Grade the submission at ``path``.

    ``server`` was started before any reference was loaded;
    None runs student code in this process (the benchmark's floor only).
    ``per_submission``: the inputs come from a seed derived from ``seed``
    and the submission's bytes (seeds.py); else from ``seed`` itself (the
    practice seed, whose expected values a student bundle records).
    ``opened``: the submission as ``open_submission`` opened it already;
    ``ended`` is called once its session has ended (its worker and what that started are gone).
    """
    start = time.perf_counter()
    opened = opened or open_submission(assignment_name, path, server, seed=seed, per_submission=per_submission)
    session = opened.session
    assignment = load(assignment_name)
    try:
        results = run_checks(assignment, session, seed=opened.inputs, shared_seed=seed, source=opened.source,
                             log=log, select=select, on_result=on_result, twin=opened.twin)
    finally:
        session.close()
        if opened.twin is not None:
            opened.twin.close()
    ended()
    for subject in session.contended:
        print(f"{path.name}: {subject} timed out while the machine was busy and was run again", file=log)
    graded_names = {n for r in session.notebook for n in r["names"] if any(c.concerns(n) for c in assignment.checks)}
    notes = opened.notes + notebook.summary(session.notebook, session.names, graded_names)
    output = session.output() + (opened.twin.output() if opened.twin is not None else "")
    return Graded(results, notes, output, time.perf_counter() - start, seed, opened.inputs)
