"""Gradescope's side: lock the folders down, grade, and always leave a valid results.json.

Layout under the root (``/autograder``, or ``AUTOGRADER_ROOT`` in tests):
``source/`` holds the grader, ``submission/`` the student's files,
``submission_metadata.json`` the previous submissions' results, and
``results/results.json`` is what Gradescope reads.
"""
from __future__ import annotations

import os
import secrets
import signal
import sys
import time
import traceback
from pathlib import Path

from .assignments import load
from .grading import Result, grade, start_server
from .sandbox.confine import die_with
from .spec import Check, failed
from .report import table
from .results import failure_document, gradescope_document, graded_document, validate, write_atomically

# Gradescope stops a submission at 10 minutes by default and then shows nothing: finish well before.
DEADLINE_SECONDS = float(os.environ.get("AUTOGRADER_DEADLINE", "540"))


def lock_down(root: Path) -> None:
    """Make everything under the root unreadable to student code, which needs none of it.

    Student code works in a folder of its own under /tmp and runs the
    Python installed outside the root; this matters where the kernel gives
    no namespaces (Gradescope's containers), and costs nothing elsewhere.
    """
    (root / "results").mkdir(parents=True, exist_ok=True)
    if os.geteuid() == 0:
        for path in [root] + [root / name for name in ("source", "submission", "results",
                                                        "submission_metadata.json")]:
            if path.exists():
                os.chmod(path, 0o700)


def run(assignment: str, root: Path) -> int:
    """Grade ``root/submission`` into ``root/results/results.json``; returns the exit status."""
    results_path = root / "results" / "results.json"
    partial = results_path.with_name(".partial.json")  # what the deadline leaves Gradescope
    start = time.perf_counter()
    watchdog = _start_watchdog(results_path, partial)
    try:
        results_path.unlink(missing_ok=True)
        lock_down(root)
        server, found = start_server(assignment, [root / "submission"], also_secret=[
            root / "source", root / "results", root / "submission_metadata.json"])
        print(found.summary())
        seed_file = root / "source" / "SEED"
        seed = int(seed_file.read_text()) if seed_file.exists() else secrets.randbelow(2**31)
        print(f"inputs drawn with seed {seed} (python -m autograder grade {assignment} PATH --seed {seed})")
        checks = load(assignment).checks
        done: list[Result] = []

        def keep(result: Result) -> None:
            done.append(result)
            write_atomically(_stopped_document(checks, done, start), partial)

        write_atomically(_stopped_document(checks, done, start), partial)
        graded = grade(assignment, root / "submission", server, seed=seed, on_result=keep)
        server.close()
        document = graded_document(graded, execution_time=time.perf_counter() - start)
        validate(document)
        print(table(graded, times=True))  # for staff: Gradescope shows stdout to them only
        if graded.student_output:
            print(f"--- output of the student's code (first 4000 characters) ---\n{graded.student_output}")
    except BaseException:  # noqa: BLE001 - whatever happens, Gradescope gets a valid file
        ref = secrets.token_hex(4)
        print(f"grader error {ref}:\n{traceback.format_exc()}", file=sys.stderr)
        document = failure_document(f"grader error (reference {ref}): the autograder could not finish. "
                                    "Please tell the course staff the reference.")
    _stop(watchdog)
    write_atomically(document, results_path)
    partial.unlink(missing_ok=True)
    return 0


STOPPED = (f"grading stopped after {DEADLINE_SECONDS:g} s, before Gradescope's own time limit; checks marked "
           "'not run' could not be graded. Please tell the course staff.")


def _stopped_document(checks: tuple[Check, ...], done: list[Result], start: float) -> dict:
    """results.json as it would read if grading stopped now: what was graded, the rest marked not run."""
    ran = {r.check.number for r in done}
    finished = done + [Result(c, failed(f"not run: {STOPPED}", "timeout"), 0.0) for c in checks if c.number not in ran]
    return gradescope_document(finished, execution_time=time.perf_counter() - start, output=STOPPED)


def _start_watchdog(results_path: Path, partial: Path) -> int:
    """A process that, at the deadline, puts the partial results in place and kills the grader.

    A process, not a thread: a thread cannot run while a C call holds the
    interpreter, and a grader stuck that way would leave Gradescope nothing.
    """
    parent = os.getpid()
    pid = os.fork()
    if pid:
        return pid
    try:  # the child: it holds nothing it uses but these two paths
        die_with(parent)
        time.sleep(DEADLINE_SECONDS)
        if partial.exists():
            os.replace(partial, results_path)  # before the kill: run_autograder looks for the file then
        else:
            write_atomically(failure_document(STOPPED), results_path)
        os.kill(parent, signal.SIGKILL)
    finally:
        os._exit(0)


def _stop(watchdog: int) -> None:
    os.kill(watchdog, signal.SIGKILL)
    os.waitpid(watchdog, 0)
