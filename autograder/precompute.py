"""Expected values computed ahead of grading: what the Gradescope zip ships for the seed it grades with.

``python -m autograder precompute ASSIGNMENT --seed N`` grades the reference
on every check at each seed while recording every ``@expected`` value it
computes (fixtures.py), and writes them to ``precomputed/``. It must run in
a fresh process: module-level expected values are computed when the checks
are first imported.
"""
from __future__ import annotations

import io
from pathlib import Path

from .assignments import reference_path
from .fixtures import PRECOMPUTED_DIR, code_digest, start_recording, stop_recording
from .grading import grade, start_server


class PrecomputeError(RuntimeError):
    """The reference did not score full marks, so what was recorded cannot be trusted."""


def precompute(assignment: str, seeds: list[int], folder: Path = PRECOMPUTED_DIR) -> list[Path]:
    """Record the expected values of grading the reference at ``seeds``; the files written."""
    recording = start_recording(plain_only=False)  # before the checks load: some values are computed then
    server = None
    try:
        # the student code here is the reference itself: graded as submissions are, never refused
        server, _ = start_server(assignment, [reference_path(assignment)], unconfined=True)
        log = io.StringIO()
        for seed in seeds:
            graded = grade(assignment, reference_path(assignment), server, seed=seed, log=log)
            lost = [r.check.name for r in graded.results if not r.passed]
            if lost:
                raise PrecomputeError(f"the reference loses points at seed {seed} ({', '.join(lost)}):\n"
                                      f"{log.getvalue()}")
    finally:
        if server is not None:
            server.close()
        stop_recording()
    return recording.save(assignment, folder, code=code_digest(f"{__package__}.assignments.{assignment}"))
