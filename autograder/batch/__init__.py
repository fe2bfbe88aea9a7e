"""Grading a folder of submissions for a TA: lanes in parallel, then grades.csv and summary.md."""
from __future__ import annotations

import os
import sys
from dataclasses import replace
from datetime import datetime
from pathlib import Path

from .inputs import BatchSubmission, UnknownIds, find_submissions, lateness, matching
from .report import NEEDS_REGRADE, Column, Layout, columns, read_rows, write_canvas, write_grades, write_summary

__all__ = ["BatchSubmission", "find_submissions", "run_batch"]


def run_batch(assignment_name: str, folder: Path, out: Path, *, jobs: int | None = None, only_failed: bool = False,
              only: list[str] | None = None, progress: bool = True, unconfined: bool = False,
              canvas: bool = False, canvas_column: str | None = None, due: datetime | None = None,
              seed: int = 0) -> tuple[Path, bool]:
    """Grade every submission under ``folder`` into ``out``; returns the path of summary.md, and whether
    Ctrl-C interrupted the grading (the reports then cover what had finished).

    ``only_failed`` regrades just the submissions whose earlier result in
    ``out`` is missing or a failure of the grader; ``only`` just the given
    submissions (an id, or a student's SID, e-mail or name). The reports
    always cover the whole folder; ``canvas`` adds canvas.csv, in Canvas's
    gradebook import layout, headed ``canvas_column``; ``due`` gives the
    lateness of each submission whose export does not; ``seed`` is the base
    seed of the inputs (the course's, for the same results as Gradescope).
    """
    from tqdm import tqdm

    from .lanes import grade_all

    submissions = find_submissions(folder)
    if due is not None:
        submissions = [s if s.late else replace(s, late=lateness(s.submitted, due)) for s in submissions]
    results_dir = out / "results"
    results_dir.mkdir(parents=True, exist_ok=True)
    todo = submissions
    if only_failed:
        todo = [row.submission for row in read_rows(submissions, results_dir) if row.status in NEEDS_REGRADE]
    if only:
        unknown = sorted(w for w in only if not matching(submissions, w))
        if unknown:
            raise UnknownIds(f"no submission has the id, SID, e-mail or name {', '.join(unknown)} (grades.csv lists "
                             "them)")
        wanted = {s.id for w in only for s in matching(submissions, w)}
        todo = [s for s in todo if s.id in wanted]
    lanes = max(1, min(jobs or os.cpu_count() or 1, len(todo)))
    checks: list[dict] = []
    interrupted = False
    if todo:
        with (out / "batch.log").open("a") as log, \
                tqdm(total=len(todo), unit="submission", file=sys.stderr,
                     disable=None if progress else True) as bar:  # None: off by itself when not a terminal
            try:
                checks = grade_all(assignment_name, folder, todo, results_dir, lanes, log,
                                   lambda job: bar.update(1), unconfined=unconfined, seed=seed)
            except KeyboardInterrupt:
                interrupted = True
    if not checks:  # no lane got as far as loading the checks
        from ..assignments import load
        checks = columns(load(assignment_name).checks)
    assignment = Layout(assignment_name, [Column(**c) for c in checks])
    rows = read_rows(submissions, results_dir)
    write_grades(assignment, rows, out / "grades.csv")
    if canvas:
        write_canvas(assignment, rows, out / "canvas.csv", canvas_column)
    write_summary(assignment, rows, out)
    return out / "summary.md", interrupted
