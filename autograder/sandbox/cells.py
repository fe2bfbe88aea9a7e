"""A notebook run as Jupyter runs it, top to bottom, inside the worker.

Each cell is read as IPython reads it (magics, ``!`` commands and ``?``
help become calls on ``get_ipython()``), then its statements run one by one
in the module's namespace. A statement that raises costs only itself and
what depends on it, as nbconvert's allow-errors does; shell commands and
``pip install`` do nothing; ``%%time`` and ``%%capture`` cells run their
body. Top-level work is bounded per statement and in total: a training loop
is stopped and reported, and what ran before it stays defined. All of this,
IPython's transformer included, runs here, in the confined worker, where
the grader's time limits can stop it.
"""
from __future__ import annotations

import ast
import json
import re
import signal
import threading
import time
from typing import Any

from ..notebook import defined_names, without_magics

STATEMENT_SECONDS = 6.0  # one top-level statement (a training loop)
TOTAL_SECONDS = 12.0  # all of them: below the grader's 20 s for an import, so that a stop is reported
MAX_STATEMENTS = 5000
MAX_FAILURES = 100
DEFINITIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Import, ast.ImportFrom)
# magics whose cell or line is the student's code, run here as it is in Jupyter
RUN_BODY = {"time", "capture", "timeit", "prun"}
SILENT = {"matplotlib", "config", "load_ext", "reload_ext", "autoreload", "precision", "env", "who", "whos", "pinfo",
          "pinfo2", "psearch", "pdoc", "psource", "pwd", "ls", "history", "lsmagic", "magic"}
TOP_LEVEL_NAME = re.compile(r"^(?:(?:async\s+)?def|class)\s+(\w+)|^(\w+)\s*(?::[^=\n]*)?=(?!=)", re.MULTILINE)
OPTIONS = re.compile(r"^\s*(?:-[a-zA-Z](?:\s+\d+)?\s+)*")  # "%timeit -n 10 -r 3 -o f()": the options before the code


class OutOfTime(BaseException):
    """A statement ran past its share of the time (a BaseException: ``except Exception`` does not stop it)."""


class Notebook:
    """Runs cells into ``namespace``; ``report`` says what could not run."""

    def __init__(self, namespace: dict, filename: str, time_scale: float = 1.0):
        self.namespace = namespace
        self.filename = filename
        self.scale = time_scale
        self.deadline = time.monotonic() + TOTAL_SECONDS * time_scale
        self.failures: list[dict] = []
        self.statements = 0
        self.label = ""
        self.lines: list[str] = []  # the transformed source of every cell, as the file tracebacks read
        namespace.setdefault("get_ipython", lambda: self)
        namespace.setdefault("display", lambda *objects, **options: None)

    # ----------------------------------------------------------------- what get_ipython() offers the cells
    def system(self, command: str) -> None:
        self._fail(f"{self.label}: a shell command (!{command.strip()[:40]}) is not run here", [])

    def getoutput(self, command: str, split: bool = True) -> list[str]:
        self.system(command)
        return []

    def run_line_magic(self, name: str, line: str, _stack_depth: int = 1) -> Any:
        if name in RUN_BODY:
            self.run_source(OPTIONS.sub("", line), f"{self.label} (%{name})")
        elif name in ("pip", "conda"):
            self._fail(f"{self.label}: %{name} {line.strip()[:40]} is not run here (the grader installs nothing)", [])
        elif name not in SILENT:
            self._fail(f"{self.label}: the magic %{name} is not run here", [])
        return None

    def run_cell_magic(self, name: str, line: str, body: str) -> Any:
        if name in RUN_BODY:
            self.run_source(body, f"{self.label} (%%{name})")
        else:
            self._fail(f"{self.label}: a %%{name} cell is not run here", sorted(_bound_names(body)))
        return None

    # ------------------------------------------------------------------------------------- running cells
    def run_cell(self, label: str, source: str) -> None:
        self.label = label
        self.run_source(_as_python(source), label)

    def run_source(self, text: str, label: str) -> None:
        try:
            tree = ast.parse(text)
        except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
            where = f", line {exc.lineno}" if isinstance(exc, SyntaxError) and exc.lineno else ""
            problem = exc.msg if isinstance(exc, SyntaxError) else type(exc).__name__
            self._fail(f"{label}{where}: syntax error ({problem}); the cell did not run", sorted(_bound_names(text)))
            return
        offset = len(self.lines)
        self.lines += [f"# ---- {label}"] + text.splitlines()
        ast.increment_lineno(tree, offset + 1)
        for node in tree.body:
            self.statements += 1
            if self.statements > MAX_STATEMENTS:
                if self.statements == MAX_STATEMENTS + 1:
                    self._fail(f"{label}: more than {MAX_STATEMENTS} statements in the notebook; the rest did not "
                               "run", [])
                return
            if not _self_check(node):
                self._run(node, label, node.lineno - offset - 1)

    def _run(self, node: ast.stmt, label: str, line: int) -> None:
        names = sorted(_bound_names(node))
        left = self.deadline - time.monotonic()
        cheap = isinstance(node, DEFINITIONS)
        if left <= 0 and not cheap:
            self._fail(f"{label}, line {line}: not run, the notebook's time here was spent", names)
            return
        seconds = max(left, 1.0) if cheap else min(STATEMENT_SECONDS * self.scale, left)
        code = compile(ast.Module(body=[node], type_ignores=[]), self.filename, "exec")
        try:
            _limited(lambda: exec(code, self.namespace), seconds)
        except OutOfTime:
            self._fail(f"{label}, line {line}: stopped after {seconds:.0f} s (long work at the top level, such as "
                       "training, is not graded; what ran before it is)", names)
        except BaseException as exc:  # noqa: BLE001 - as Jupyter does, SystemExit included
            self._fail(f"{label}, line {line}: {type(exc).__name__}: {_text(exc)}", names)

    def _fail(self, what: str, names: list[str]) -> None:
        if len(self.failures) < MAX_FAILURES:
            self.failures.append({"what": what[:300], "names": names[:20]})

    def report(self) -> list[dict]:
        return self.failures


def run(namespace: dict, filename: str, cells_json: str, time_scale: float = 1.0) -> None:
    """Run the notebook's code cells (a JSON list of [label, source]) into ``namespace``; what could not
    run is left in ``namespace["__notebook__"]`` for the worker to report, and the file ``filename`` is
    rewritten with the cells as they ran, so that tracebacks show the student's lines."""
    notebook = Notebook(namespace, filename, time_scale)
    for label, source in json.loads(cells_json):
        notebook.run_cell(str(label), str(source))
    namespace["__notebook__"] = notebook.report()
    try:
        with open(filename, "w", encoding="utf-8") as fh:
            fh.write("\n".join(notebook.lines) + "\n")
    except OSError:
        pass


def _as_python(source: str) -> str:
    """A cell's source as IPython runs it: ``x = !ls`` becomes ``x = get_ipython().getoutput('ls')``."""
    try:
        from IPython.core.inputtransformer2 import TransformerManager
    except ImportError:  # without IPython: magic and shell lines are dropped
        return without_magics(source)
    try:
        return TransformerManager().transform_cell(source)
    except Exception:  # noqa: BLE001 - IPython's own parse errors: left for ast to report
        return source


def _bound_names(node: ast.AST | str) -> set[str]:
    """The names a statement (or source text) binds at the top level."""
    if isinstance(node, str):
        try:
            node = ast.parse(node)
        except (SyntaxError, ValueError, RecursionError, MemoryError):  # what its lines seem to define
            return {m.group(1) or m.group(2) for m in TOP_LEVEL_NAME.finditer(node)}
        return set().union(*(_bound_names(n) for n in node.body)) if node.body else set()
    named = defined_names(node)
    if named is not None:
        return named
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}


def _self_check(node: ast.stmt) -> bool:
    """The student's own ``from autograder import check`` and ``check(...)``: what the grader is doing now."""
    if isinstance(node, ast.ImportFrom):
        return (node.module or "").split(".")[0] == "autograder"
    if isinstance(node, ast.Import):
        return any(a.name.split(".")[0] == "autograder" for a in node.names)
    call = node.value if isinstance(node, ast.Expr) else None
    func = call.func if isinstance(call, ast.Call) else None
    return isinstance(func, ast.Name) and func.id == "check" or isinstance(func, ast.Attribute) and func.attr == "check"


def _text(exc: BaseException) -> str:
    try:
        return str(exc).splitlines()[0][:200] if str(exc) else ""
    except BaseException:  # noqa: BLE001 - a student exception whose __str__ fails
        return ""


def _limited(action, seconds: float) -> None:
    """Run ``action``, interrupted after ``seconds`` where the platform has interval timers."""
    if not hasattr(signal, "setitimer") or threading.current_thread() is not threading.main_thread():
        action()
        return

    def stop(signum, frame):
        raise OutOfTime

    previous = signal.signal(signal.SIGALRM, stop)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        action()
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
