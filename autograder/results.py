"""The Gradescope results.json: built from check results, validated, written atomically."""
from __future__ import annotations

import json
import os
import tempfile
from functools import lru_cache
from pathlib import Path

import jsonschema

from .grading import Graded, Result

SCHEMA_PATH = Path(__file__).with_name("results_schema.json")
MAX_OUTPUT = 20_000  # Gradescope has been seen to cut at 50,000


def _clip(text: str) -> str:
    return text if len(text) <= MAX_OUTPUT else text[:MAX_OUTPUT] + "\n[... output cut]"


def gradescope_document(results: list[Result], *, execution_time: float, output: str = "") -> dict:
    """results.json for a graded submission."""
    tests = []
    for r in results:
        # the name without the number, which Gradescope shows itself
        test = {"name": r.check.title, "number": r.check.number, "score": r.score, "max_score": r.check.weight,
                "status": "passed" if r.passed else "failed", "output": _clip(r.outcome.message),
                "visibility": r.check.visibility, "tags": list(r.check.tags)}
        if r.outcome.diagnosis:
            test["extra_data"] = {"diagnosis": r.outcome.diagnosis}
        tests.append(test)
    return {"score": round(sum(r.score for r in results), 4), "execution_time": round(execution_time, 3),
            "output": _clip(output), "stdout_visibility": "hidden", "tests": tests}


def graded_document(graded: Graded, *, execution_time: float | None = None) -> dict:
    """results.json for one graded submission, with how it was read as the overall output."""
    flagged = [r.check.number for r in graded.results if r.outcome.diagnosis == "needs_review"]
    review = [f"Check {', '.join(flagged)} could not be verified automatically and scores 0 for now: the course "
              "staff will look at it and give its points if your code is correct."] if flagged else []
    output = "\n".join([f"Graded in {graded.seconds:.1f} s."] + _pending(graded.results) + review
                       + [f"Note: {n}" for n in graded.notes])
    document = gradescope_document(graded.results, output=output,
                                   execution_time=graded.seconds if execution_time is None else execution_time)
    # for staff: `grade --seed SEED` on the same file reproduces these inputs
    document["extra_data"] = {"seed": graded.seed, "inputs_seed": graded.inputs_seed}
    return document


def _pending(results: list[Result]) -> list[str]:
    """While some checks are not shown yet, Gradescope hides the total: say what the visible ones add up to."""
    later = [r for r in results if r.check.visibility != "visible"]
    if not later:
        return []
    shown = [r for r in results if r.check.visibility == "visible"]
    return [f"Visible checks: {sum(r.score for r in shown):g}/{sum(r.check.weight for r in shown):g}; "
            f"{sum(r.check.weight for r in later):g} more points appear when grades are published or after "
            "the due date."]


def failure_document(message: str, diagnosis: str = "grader_error") -> dict:
    """A valid results.json for when grading itself could not run (or finish)."""
    return {"score": 0, "execution_time": 0, "output": message, "stdout_visibility": "hidden",
            "tests": [{"name": "grader error", "number": "0", "score": 0, "max_score": 0, "status": "failed",
                       "output": message, "visibility": "visible", "extra_data": {"diagnosis": diagnosis}}]}


def diagnoses(document: dict) -> list[str]:
    """The diagnoses (known mistakes, timeouts, grader errors) a results.json records."""
    return [t["extra_data"]["diagnosis"] for t in document.get("tests", [])
            if isinstance(t.get("extra_data"), dict) and "diagnosis" in t["extra_data"]]


@lru_cache(maxsize=1)
def _schema() -> dict:
    return json.loads(SCHEMA_PATH.read_text())


def validate(document: dict) -> None:
    """Raise jsonschema.ValidationError unless ``document`` is a valid results.json."""
    jsonschema.validate(document, _schema())


def write_atomically(document: dict, path: Path) -> None:
    """Write to a temporary file beside ``path``, then rename: readers never see half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".results-", suffix=".json")
    with os.fdopen(fd, "w") as fh:
        json.dump(document, fh, indent=1, allow_nan=False)
    os.replace(tmp, path)
