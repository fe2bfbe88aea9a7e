"""The score table printed for TAs and students."""
from __future__ import annotations

import shutil
import textwrap

from .assignments import Assignment
from .grading import Graded
from .safe_text import for_terminal

STATUS = {True: "passed", False: "FAILED"}


def table(graded: Graded, width: int | None = None, *, times: bool = False) -> str:
    """One row per check (number, title, points, status, the message's headline, wrapped to the
    terminal's ``width``) and the total; the likely cause under a failed row. ``times`` adds each check's
    seconds to its status (for staff)."""
    width = width or shutil.get_terminal_size((120, 24)).columns
    rows = [(r.check.number, r.check.title, f"{r.score:g}/{r.check.weight:g}",
             STATUS[r.passed] + (f" {r.seconds:5.2f}s" if times else ""),
             headline(r.outcome.message)) for r in graded.results]
    widths = [max([len(h)] + [len(row[i]) for row in rows]) for i, h in enumerate(("#", "check", "points", "status"))]
    # a narrow terminal wraps the titles rather than the table
    widths[1] = min(widths[1], max(20, width - (widths[0] + widths[2] + widths[3] + 8)))
    lead = sum(widths) + 8
    room = max(30, width - lead - 2)
    beside = room >= 50  # else the message goes under its row, at the table's full width
    lines = [f"{'#':<{widths[0]}}  {'check':<{widths[1]}}  {'points':>{widths[2]}}  {'status':<{widths[3]}}"
             + ("  message" if beside else "")]
    for row, result in zip(rows, graded.results):
        message = textwrap.wrap(row[4], room) or [""] if beside else [""]
        title, *more_title = textwrap.wrap(row[1], widths[1]) or [""]
        lines.append(f"{row[0]:<{widths[0]}}  {title:<{widths[1]}}  {row[2]:>{widths[2]}}  {row[3]:<{widths[3]}}  "
                     f"{message[0]}".rstrip())
        lines.extend(f"{'':<{widths[0]}}  {part}" for part in more_title)
        lines.extend(" " * (lead + 2) + more for more in message[1:])
        if not beside and row[4]:
            lines.extend(textwrap.wrap(row[4], max(60, width - 2), initial_indent=" " * 7, subsequent_indent=" " * 9))
        cause = likely_cause(result.outcome.message)
        if cause and not result.passed:
            lines.append(textwrap.fill(cause, width=max(60, width - 2), initial_indent=" " * 7,
                                       subsequent_indent=" " * 9))
    total = sum(r.check.weight for r in graded.results)
    lines.append(f"\nTotal: {graded.score:g}/{total:g}   [{graded.seconds:.1f} s]")
    lines.extend(f"note: {n}" for n in graded.notes)
    return for_terminal("\n".join(lines))


def headline(message: str) -> str:
    """What a row shows of a message: its first line, and the lines it introduces while one ends with a colon
    ("differs from the reference:" is followed by how), up to three."""
    lines = [line.strip() for line in message.splitlines()[:3]] or [""]
    shown = [lines[0]]
    for line in lines[1:]:
        if not shown[-1].endswith(":") or "likely cause:" in line:
            break
        shown.append(line)
    return " ".join(shown)


def likely_cause(message: str) -> str | None:
    """The message's "likely cause: ..." line, if it names a known mistake."""
    return next((line.strip() for line in message.splitlines() if "likely cause:" in line), None)


def details(graded: Graded) -> str:
    """The full message of every check that lost points."""
    blocks = [f"--- {r.check.name} ({r.score:g}/{r.check.weight:g})\n{r.outcome.message}"
              for r in graded.results if not r.passed]
    return for_terminal("\n\n".join(blocks))


def compact(graded: Graded) -> str:
    """A short table for a notebook: a mark, number, title and points per check, the message if lost."""
    lines = []
    for r in graded.results:
        lines.append(f"{'ok ' if r.passed else 'XX '} {r.check.number:5} {r.check.title[:70]:70} "
                     f"{r.score:g}/{r.check.weight:g}")
        if not r.passed:
            first = headline(r.outcome.message)
            for text in filter(None, (first, likely_cause(r.outcome.message))):
                lines.extend(textwrap.wrap(text, width=100, initial_indent=" " * 10, subsequent_indent=" " * 12))
    earned, shown = graded.score, sum(r.check.weight for r in graded.results)
    lines.append(f"{earned:g}/{shown:g} on these checks")
    lines.extend(f"note: {n}" for n in graded.notes)
    return for_terminal("\n".join(lines))


def hidden_line(assignment: Assignment) -> str:
    """How much of the grade the student cannot check here, without saying what it checks."""
    count, points = assignment.hidden()
    if not count:
        return "Every check of this assignment ran here."
    return (f"{count} more check{'s' if count > 1 else ''} worth {points:g} of {assignment.total:g} points "
            "are graded only on Gradescope (hidden, or shown once answers are published).")
