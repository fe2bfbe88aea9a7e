"""Gradescope's side: lock the folders down, grade, and always leave a valid results.json.

Layout under the root (``/autograder``, or ``AUTOGRADER_ROOT`` in tests):
``source/`` holds the grader, ``submission/`` the student's files and
``results/results.json`` is what Gradescope reads.
"""
from __future__ import annotations

import os
import secrets
import sys
import time
import traceback
from pathlib import Path

from .assignments import SHARED_IMPORTS
from .grading import grade
from .results import failure_document, graded_document, validate, write_atomically
from .sandbox import ForkServer

PRIVATE = ("source", "submission", "results")


def lock_down(root: Path) -> None:
    """Make the grader, the original submission and the results unreadable to the sandbox account."""
    (root / "results").mkdir(parents=True, exist_ok=True)
    if os.geteuid() == 0:
        for name in PRIVATE:
            if (root / name).exists():
                os.chmod(root / name, 0o700)


def run(assignment: str, root: Path) -> int:
    """Grade ``root/submission`` into ``root/results/results.json``; returns the exit status."""
    results_path = root / "results" / "results.json"
    start = time.perf_counter()
    try:
        results_path.unlink(missing_ok=True)
        lock_down(root)
        server = ForkServer(SHARED_IMPORTS.get(assignment, ()))
        graded = grade(assignment, root / "submission", server)
        server.close()
        document = graded_document(graded, execution_time=time.perf_counter() - start)
        validate(document)
        if graded.student_output:
            print(f"--- output of the student's code (first 4000 characters) ---\n{graded.student_output}")
    except BaseException:  # noqa: BLE001 - whatever happens, Gradescope gets a valid file
        ref = secrets.token_hex(4)
        print(f"grader error {ref}:\n{traceback.format_exc()}", file=sys.stderr)
        document = failure_document(f"grader error (reference {ref}): the autograder could not finish. "
                                    "Please tell the course staff the reference.")
    write_atomically(document, results_path)
    return 0
