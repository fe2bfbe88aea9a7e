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

from .assignments import load, reference_path
from .fixtures import PRECOMPUTED_DIR, code_digest, start_recording, stop_recording
from .grading import grade
from .sandbox import launch


class PrecomputeError(RuntimeError):
    """The reference did not score full marks, so what was recorded cannot be trusted."""


def precompute(assignment: str, seeds: list[int], folder: Path = PRECOMPUTED_DIR) -> list[Path]:
    """Record the expected values of grading the reference at ``seeds``; the files written."""
    recording = start_recording(plain_only=False)
    server = launch()
    try:
        load(assignment)
        log = io.StringIO()
        for seed in seeds:
            graded = grade(assignment, reference_path(assignment), server, seed=seed, log=log)
            lost = [r.check.name for r in graded.results if not r.passed]
            if lost:
                raise PrecomputeError(f"the reference loses points at seed {seed} ({', '.join(lost)}):\n"
                                      f"{log.getvalue()}")
    finally:
        server.close()
        stop_recording()
    return recording.save(assignment, folder, code=code_digest(f"{__package__}.assignments.{assignment}"))
