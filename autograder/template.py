"""Student templates generated from the reference solutions.

Markers in ``reference/<name>.py``: a block between ``# BEGIN SOLUTION`` and
``# END SOLUTION`` becomes ``raise NotImplementedError``; a line
``NAME = value  # SOLUTION`` becomes ``NAME = None``. Everything else (the
handout text, the givens) is copied as it is.
"""
from __future__ import annotations

import re
from pathlib import Path

from .assignments import reference_path

BEGIN = re.compile(r"^(?P<indent>\s*)# BEGIN SOLUTION\s*$")
END = re.compile(r"^\s*# END SOLUTION\s*$")
ANSWER = re.compile(r"^(?P<indent>\s*)(?P<name>\w+)\s*=.*#\s*SOLUTION\s*$")
TEMPLATE_DIR = Path(__file__).resolve().parents[1] / "student_template"


class MarkerError(ValueError):
    """The reference's solution markers do not pair up."""


def strip_solutions(source: str) -> str:
    """The template text for a reference module's text."""
    out: list[str] = []
    inside = False
    for number, line in enumerate(source.splitlines(), 1):
        if (begin := BEGIN.match(line)) is not None:
            if inside:
                raise MarkerError(f"line {number}: BEGIN SOLUTION inside a solution block")
            inside = True
            out.append(f"{begin['indent']}raise NotImplementedError")
        elif END.match(line):
            if not inside:
                raise MarkerError(f"line {number}: END SOLUTION without BEGIN")
            inside = False
        elif inside:
            continue
        elif (answer := ANSWER.match(line)) is not None:
            out.append(f"{answer['indent']}{answer['name']} = None  # your answer")
        else:
            out.append(line)
    if inside:
        raise MarkerError("a solution block is never closed")
    return "\n".join(out) + "\n"


def template_path(assignment: str) -> Path:
    return TEMPLATE_DIR / f"{assignment}.py"


def write_template(assignment: str) -> Path:
    """Regenerate ``student_template/<assignment>.py`` from the reference."""
    path = template_path(assignment)
    path.parent.mkdir(exist_ok=True)
    path.write_text(strip_solutions(reference_path(assignment).read_text()))
    return path
