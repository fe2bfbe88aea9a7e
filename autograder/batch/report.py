"""What a TA reads after a batch: grades.csv, summary.md and a histogram of the totals."""
from __future__ import annotations

import csv
import json
import re
import statistics
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from ..report import likely_cause
from ..safe_text import for_csv, for_markdown
from ..results import diagnoses
from .inputs import BatchSubmission, Student

# A student's own code timing out is a graded result; only the grader's failures are worth a regrade.
NEEDS_REGRADE = ("missing", "grader error", "grader timeout")
# Diagnoses that say a name was not attempted or could not be reached, rather than a mistake in it.
NOT_ATTEMPTED = ("not_implemented", "missing", "no_submission", "import_failed")


@dataclass(frozen=True)
class Column:
    """A check as the reports need it."""

    number: str
    name: str
    weight: float


def columns(checks: list) -> list[dict]:
    """Checks (``spec.Check``) as plain data, as a lane announces them."""
    return [{"number": c.number, "name": c.name, "weight": c.weight} for c in checks]


@dataclass(frozen=True)
class Layout:
    """An assignment as the reports need it: its name and its checks in order."""

    name: str
    checks: list[Column]

    @property
    def total(self) -> float:
        return sum(c.weight for c in self.checks)


@dataclass(frozen=True)
class Row:
    submission: BatchSubmission
    document: dict | None

    @property
    def status(self) -> str:
        """graded, or why the result cannot be trusted as it is: missing, grader error, grader timeout (the
        lane did not finish); a submission whose own code timed out is graded, and noted as such."""
        if self.document is None:
            return "missing"
        found = diagnoses(self.document)
        if "grader_error" in found:
            return "grader error"
        if "grader_timeout" in found:
            return "grader timeout"
        if "no_submission" in found:
            return "nothing submitted"
        if "import_failed" in found:
            return "does not import"
        return "graded (a timeout)" if "timeout" in found else "graded"

    @property
    def total(self) -> float:
        return float(self.document["score"]) if self.document else 0.0

    def tests(self) -> dict[str, dict]:
        """The document's tests by check number (names change with a check's wording; numbers stay)."""
        return {str(t.get("number")): t for t in (self.document or {}).get("tests", [])}


def read_rows(submissions: list[BatchSubmission], results_dir: Path) -> list[Row]:
    """Each submission with its results.json, if it has a readable one."""
    rows = []
    for s in submissions:
        try:
            document = json.loads((results_dir / f"{s.id}.json").read_text())
        except (OSError, ValueError):
            document = None
        rows.append(Row(s, document))
    return rows


def write_grades(assignment: Layout, rows: list[Row], path: Path) -> None:
    """One row per student (a group's members each get the group's), a row of maximum points first.

    UTF-8 with a byte-order mark, so that Excel reads names in any script.
    """
    with path.open("w", newline="", encoding="utf-8-sig") as fh:
        out = csv.writer(fh)
        out.writerow(["id", "name", "email", "sid", "submitted", "late", "status", "total"]
                     + [c.name for c in assignment.checks])
        out.writerow(["max points", "", "", "", "", "", "", f"{assignment.total:g}"]
                     + [f"{c.weight:g}" for c in assignment.checks])
        for row in rows:
            tests = row.tests()
            scores = [f"{tests[c.number]['score']:g}" if c.number in tests else "" for c in assignment.checks]
            for student in row.submission.students or (Student(),):
                out.writerow([for_csv(text) for text in (row.submission.id, student.name, student.email)]
                             + [as_text(student.sid)]
                             + [for_csv(text) for text in (row.submission.submitted, row.submission.late)]
                             + [row.status, f"{row.total:g}"] + scores)


def write_canvas(assignment: Layout, rows: list[Row], path: Path, column: str | None = None) -> None:
    """Canvas's gradebook import layout: a Points Possible row, one row per student, the total as the grade.

    ``column`` is the Canvas assignment as Canvas's own export heads it, ``Name (id)``: an import with that
    header updates the assignment; any other header makes Canvas create a new one.
    """
    with path.open("w", newline="", encoding="utf-8-sig") as fh:
        out = csv.writer(fh)
        out.writerow(["Student", "ID", "SIS User ID", "SIS Login ID", "Section", column or assignment.name])
        out.writerow(["Points Possible", "", "", "", "", f"{assignment.total:g}"])
        for row in rows:
            for student in row.submission.students or (Student(row.submission.id),):
                out.writerow([for_csv(student.name), "", for_csv(student.sid), for_csv(student.email), "",
                              f"{row.total:g}" if row.document else ""])


def write_summary(assignment: Layout, rows: list[Row], out: Path, *, top: int = 10) -> None:
    """summary.md: totals, the histogram, pass rate per check and the most frequent diagnoses."""
    totals = [row.total for row in rows if row.status != "missing"]
    statuses = Counter(row.status for row in rows)
    lines = [f"# {assignment.name}: {len(rows)} submissions", ""]
    lines.append(", ".join(f"{n} {s}" for s, n in sorted(statuses.items())) + ".")
    if totals:
        lines.append(f"Totals out of {assignment.total:g}: mean {statistics.mean(totals):.2f}, median "
                     f"{statistics.median(totals):g}, min {min(totals):g}, max {max(totals):g}; "
                     f"{sum(t == assignment.total for t in totals)} full marks.")
        histogram(totals, assignment.total, out / "totals.png")
        lines += ["", "![histogram of totals](totals.png)"]

    graded = [row for row in rows if row.document is not None]
    lines += ["", "## Checks, hardest first", "", "| check | points | passed | mean score |", "|---|---|---|---|"]
    per_check = []
    for c in assignment.checks:
        got = [row.tests()[c.number] for row in graded if c.number in row.tests()]
        rate = sum(t["score"] >= t["max_score"] for t in got) / len(got) if got else 0.0
        mean = statistics.mean(t["score"] for t in got) if got else 0.0
        per_check.append((rate, c.number, f"| {c.name} | {c.weight:g} | {rate:.0%} | {mean:.2f} |"))
    lines += [line for _, _, line in sorted(per_check, key=lambda x: (x[0], [int(p) for p in x[1].split(".")]))]

    found: Counter[tuple[str, str]] = Counter()
    cause: dict[tuple[str, str], str] = {}
    names = {c.number: c.name for c in assignment.checks}
    for row in graded:
        for test in row.document["tests"]:
            diagnosis = (test.get("extra_data") or {}).get("diagnosis")
            if diagnosis and diagnosis not in NOT_ATTEMPTED and test["score"] < test["max_score"]:
                name = names.get(str(test.get("number")), str(test.get("name")))
                found[name, diagnosis] += 1
                cause.setdefault((name, diagnosis), _likely_cause(test.get("output", "")))
    lines += ["", "## Most frequent diagnoses", "",
              "Known mistakes, timeouts and crashes; names not attempted are left out (their checks score 0 "
              "in grades.csv).", ""]
    if found:
        lines += ["| submissions | check | diagnosis | likely cause (as told to the student) |", "|---|---|---|---|"]
        lines += [f"| {n} | {name} | {_cell(diagnosis)} | {_cell(cause[name, diagnosis])} |"
                  for (name, diagnosis), n in found.most_common(top)]
    else:
        lines.append("None.")

    attention = [row for row in rows if row.status in NEEDS_REGRADE]
    if attention:
        lines += ["", "## To regrade", "", "Regrade these with `--only-failed`:", ""]
        lines += [f"- {_cell(_who(row.submission))} ({row.status})" for row in attention]
    flagged = [(row, t) for row in graded for t in row.document["tests"]
               if (t.get("extra_data") or {}).get("diagnosis") == "needs_review"]
    if flagged:
        lines += ["", "## Flagged for staff", "", "Checks the grader could not verify automatically: each scored 0, "
                  "and its points are yours to give after a look at the student's code:", ""]
        lines += [f"- {_cell(_who(row.submission))}: {names.get(str(t.get('number')), t.get('name'))}"
                  for row, t in flagged]
    unreadable = [row for row in graded if set(diagnoses(row.document)) & {"import_failed", "no_submission"}]
    if unreadable:
        lines += ["", "## No check could run", ""]
        lines += [f"- {_cell(_who(row.submission))}: {_cell(row.document['tests'][0]['output'].splitlines()[0])}"
                  for row in unreadable]
    (out / "summary.md").write_text("\n".join(lines) + "\n")


def histogram(totals: list[float], maximum: float, path: Path) -> None:
    import matplotlib
    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 3.5))
    ax.hist(totals, bins=min(24, max(1, int(maximum))), range=(0, maximum), color="#4c72b0", edgecolor="white")
    ax.set_xlabel(f"total (out of {maximum:g})")
    ax.set_ylabel("submissions")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def _likely_cause(output: str) -> str:
    line = likely_cause(output)
    return line.split("likely cause:", 1)[1].strip() if line else (output.splitlines() or [""])[0]


def _who(submission: BatchSubmission) -> str:
    """The students of a submission by name, with the id a TA passes to ``--only``."""
    return f"{submission.name} ({submission.id})" if submission.name else submission.id


def as_text(sid: str) -> str:
    """A student id a spreadsheet keeps as written: digits with a leading zero would lose it as a number."""
    return f'="{sid}"' if re.fullmatch(r"0\d+", sid) else for_csv(sid)


def _cell(text: str, limit: int = 160) -> str:
    """Student-derived text as one literal Markdown table cell."""
    text = text if len(text) <= limit else text[:limit] + "…"
    return for_markdown(text)
