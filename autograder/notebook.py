"""A notebook submission as a module of its definitions only.

Cells are read as IPython reads them (magics, ``!`` commands and ``?`` help
become ordinary calls). Imports, functions, classes and constant
assignments are kept; statements that train, plot, print or read files are
skipped without starting a kernel, and listed for the student. A cell with
a syntax error, a failing import or a failing constant costs only the names
it defines, and a constant that needs a skipped statement's value is said
to, at submission time.
"""
from __future__ import annotations

import ast
import builtins
import re
from dataclasses import dataclass, field
from pathlib import Path

KEPT = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
MAX_STATEMENTS = 5000  # top-level statements read from one notebook; the rest are skipped, and said so
MAX_NOTES = 50
LINE_BREAK = re.compile(r"\r\n|\r|\n")  # what Python's tokenizer counts as a line (str.splitlines counts more)


@dataclass
class Extracted:
    source: str
    skipped: list[str] = field(default_factory=list)


def _is_constant(node: ast.stmt) -> bool:
    """``NAME = value`` where value calls nothing, or the name is UPPER_CASE."""
    if isinstance(node, ast.AnnAssign):
        targets, value = [node.target], node.value
    elif isinstance(node, ast.Assign):
        targets, value = node.targets, node.value
    else:
        return False
    names = [n for t in targets for n in (t.elts if isinstance(t, (ast.Tuple, ast.List)) else [t])]
    if value is None or not all(isinstance(n, ast.Name) for n in names):
        return False
    upper = all(n.id.isupper() for n in names)
    return upper or not any(isinstance(n, (ast.Call, ast.Await, ast.Yield)) for n in ast.walk(value))


def _guarded(statement: str, error: type[Exception]) -> str:
    """A statement whose failure costs only the names it defines.

    Notebooks import plotting libraries the grader does not have, and
    constants may be computed from data files that are not there.
    """
    body = "\n".join("    " + line for line in statement.splitlines())
    return f"try:\n{body}\nexcept {error.__name__}:\n    pass"


def extract(path: Path) -> Extracted:
    """The definitions of the notebook at ``path`` as Python source."""
    import nbformat  # its schema validation costs every grader 60 ms at start-up, and most submissions are .py

    notebook = nbformat.read(path, as_version=4)
    return definitions([(f"cell {number}", cell.source) for number, cell in enumerate(notebook.cells, 1)
                        if cell.cell_type == "code"])


def _as_python(source: str) -> str:
    """A cell's source as IPython runs it: ``x = !ls`` becomes ``x = get_ipython().getoutput('ls')``."""
    try:
        from IPython.core.inputtransformer2 import TransformerManager
    except ImportError:  # without IPython: magic and shell lines are dropped
        return "\n".join("" if line.lstrip().startswith(("%", "!")) else line for line in LINE_BREAK.split(source))
    try:
        return TransformerManager().transform_cell(source)
    except Exception:  # noqa: BLE001 - IPython's own parse errors: left for ast to report
        return source


def _needs(node: ast.stmt, defined: set[str]) -> list[str]:
    """Names a kept statement reads that no kept statement before it defines (nor Python itself)."""
    stored = {n.id for n in ast.walk(node) if isinstance(n, ast.Name) and not isinstance(n.ctx, ast.Load)}
    stored |= {a.arg for n in ast.walk(node) if isinstance(n, ast.Lambda) for a in n.args.args}
    read = {n.id for n in ast.walk(node) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}
    return sorted(read - stored - defined - set(dir(builtins)))


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


def _segment(lines: list[bytes], node: ast.stmt) -> str:
    """The source of ``node`` from the cell's lines (column offsets are UTF-8 bytes), in time linear in
    its own size: ``ast.get_source_segment`` rescans the whole cell for every statement."""
    first, last = node.lineno - 1, node.end_lineno - 1
    if first == last:
        return lines[first][node.col_offset:node.end_col_offset].decode("utf-8", "replace")
    parts = [b" " * node.col_offset + lines[first][node.col_offset:], *lines[first + 1:last],
             lines[last][:node.end_col_offset]]
    return b"\n".join(parts).decode("utf-8", "replace")


def definitions(cells: list[tuple[str, str]]) -> Extracted:
    """The definitions of code cells, given as (label, source) in the order they run."""
    kept: list[str] = []
    skipped: list[str] = []
    defined: set[str] = set()
    budget = MAX_STATEMENTS
    for label, source in cells:
        text = _as_python(source)
        try:
            tree = ast.parse(text)
        except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
            where = f" on line {exc.lineno} ({exc.msg})" if isinstance(exc, SyntaxError) else ""
            skipped.append(f"{label}: syntax error{where}; the whole cell was skipped")
            continue
        if len(tree.body) > budget:
            skipped.append(f"{label} and later cells: more than {MAX_STATEMENTS} top-level statements in the "
                           "notebook; the rest was skipped")
            break
        budget -= len(tree.body)
        lines = [line.encode("utf-8") for line in text.split("\n")]
        written = LINE_BREAK.split(source)  # the student's own lines, for the notes (IPython keeps the count)
        for node in tree.body:
            segment = _segment(lines, node)
            if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
                continue  # a docstring or a bare string: nothing to run, nothing to report
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                kept.append(_guarded(segment.strip(), ImportError))
            elif isinstance(node, KEPT):
                kept.append(segment)
            elif _is_constant(node):
                calls = any(isinstance(n, ast.Call) for n in ast.walk(node))
                kept.append(_guarded(segment.strip(), Exception) if calls else segment)
                missing = _needs(node, defined)
                if missing:
                    first = segment.strip().splitlines()[0]
                    skipped.append(f"{label}, line {node.lineno}: {first[:60]} needs {', '.join(missing)}, which only "
                                   "statements the grader skips define: it will be undefined; compute it from "
                                   "definitions only")
            else:
                first = (written[node.lineno - 1] if node.lineno <= len(written) else segment).strip()
                skipped.append(f"{label}, line {node.lineno}: {first.splitlines()[0][:70] if first else ''}")
                continue
            defined |= defined_names(node) or set()  # every kept statement binds names
    if len(skipped) > MAX_NOTES:
        skipped = skipped[:MAX_NOTES] + [f"... and {len(skipped) - MAX_NOTES} more statements"]
    return Extracted("\n\n".join(kept) + "\n", skipped)
