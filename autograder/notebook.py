"""A notebook submission as a module that runs its code cells in order, as Jupyter would.

The grader only reads the notebook's code cells (nbformat) and writes a
module that hands them to ``sandbox/cells.py`` inside the worker: IPython's
transformer and the cells themselves run there, under the worker's limits,
never in the grader's process.
"""
from __future__ import annotations

import ast
import json

KEPT = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
RUNNER = '''"""{name}, from a notebook: its code cells, run in order as Jupyter runs them (autograder/sandbox/cells.py)."""
import sys as _sys
_cells = _sys.modules.get("autograder.sandbox.cells") or __import__("autograder.sandbox.cells", fromlist=["run"])
_cells.run(globals(), __file__, {cells!r}, {scale!r})
'''


def runner(name: str, cells: list[tuple[str, str]], time_scale: float = 1.0) -> str:
    """The module that runs ``cells`` ((label, source) in the order they run) for the assignment ``name``."""
    return RUNNER.format(name=name, cells=json.dumps(cells), scale=time_scale)


def without_magics(text: str) -> str:
    """Python's part of a cell: IPython's magic and shell lines (``%``, ``!``) as blank lines."""
    return "\n".join("" if line.lstrip().startswith(("%", "!")) else line for line in text.splitlines())


def code_cells(path: str, limit: int) -> dict:
    """The code cells of the notebook at ``path``, labelled as the student sees them: ``{"cells": [[label,
    source], ...]}``, or ``{"unreadable": why}``, or ``{"too_large": bytes}`` where their code is over ``limit``.

    Run in a child the grader can stop (``forked.in_child``): the file may be large with outputs (plots,
    logs), of which nothing is kept, and nbformat's reading and validation of it is work on student data.
    """
    import nbformat  # its schema validation costs every grader 60 ms at start-up, and most submissions are .py

    try:
        notebook = nbformat.read(path, as_version=4)
        cells = [[f"cell {number}", str(cell.source)] for number, cell in enumerate(notebook.cells, 1)
                 if cell.cell_type == "code"]
    except MemoryError:
        return {"unreadable": "it holds more JSON than the grader reads"}
    except Exception as exc:  # noqa: BLE001 - nbformat raises many kinds for a broken notebook
        return {"unreadable": f"{type(exc).__name__}: {str(exc)[:200]}"}
    size = sum(len(source.encode("utf-8", "surrogatepass")) for _, source in cells)
    return {"too_large": size} if size > limit else {"cells": cells}


def defined_names(node: ast.stmt) -> set[str] | None:
    """The names a top-level definition, import or assignment binds; None for any other statement."""
    if isinstance(node, KEPT):
        return {node.name}
    if isinstance(node, (ast.Import, ast.ImportFrom)):
        return {(a.asname or a.name).split(".")[0] for a in node.names}
    if isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        return {n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)}
    return None


SHOWN = 5  # failures named in the summary; the rest are counted


def summary(report: list[dict], defined: frozenset[str], graded: set[str]) -> list[str]:
    """One short note on what a notebook's run could not run, and the graded names that left undefined."""
    if not report:
        return []
    shown = "; ".join(r["what"] for r in report[:SHOWN])
    more = f"; and {len(report) - SHOWN} more" if len(report) > SHOWN else ""
    notes = [f"notebook: run top to bottom as in Jupyter; {len(report)} statement{'s' * (len(report) > 1)} "
             f"could not run here, and the rest ran on: {shown}{more}"]
    lost = sorted({n for r in report for n in r["names"] if n in graded and n not in defined})
    if lost:
        notes.append(f"notebook: so these graded names are not defined: {', '.join(lost)}")
    return notes
