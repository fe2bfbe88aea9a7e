"""Finding the student's file in what was submitted, and turning it into a module."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .assignments import stem
from .forked import ChildFailed, in_child
from .notebook import code_cells, runner, without_magics
from .sandbox.session import time_scale

MAX_BYTES = 2 * 2**20  # of a Python file, or of a notebook's code
MAX_NOTEBOOK_BYTES = 64 * 2**20  # of a notebook's file: its outputs (plots, logs) are read past, never kept
NOTEBOOK_SECONDS = 30.0


class NoSubmission(Exception):
    """Nothing gradable was submitted; the message says what was found instead."""


@dataclass
class Prepared:
    """A Python file ready to import, and notes for the student about how it was made."""

    source: Path
    original: Path
    notes: list[str] = field(default_factory=list)
    static_source: str = ""  # the student's code as written, for what is read without running it (policy.py)


def locate(assignment: str, path: Path) -> tuple[Path, list[str]]:
    """The file to grade: ``path`` itself, or the one submission at the top of the folder ``path``.

    Only the top of the folder is searched (or, when it holds no file but
    one folder, as a zip of a folder unpacks, the top of that folder):
    never a harness or a copy deeper down. ``HW6.py`` or a browser's
    ``hw6 (1).py`` is accepted with a note; two such candidates are refused.
    """
    if path.is_file():
        return path, []
    if not path.is_dir():
        raise NoSubmission(f"{path.name} does not exist")
    entries = _entries(path)
    folders = [e for e in entries if e.is_dir() and not e.is_symlink()]
    if not [e for e in entries if e not in folders] and len(folders) == 1:
        entries = _entries(folders[0])
    candidates = [e for e in entries if e.suffix.lower() in (".py", ".ipynb") and not e.is_dir()]
    for wanted in (f"{assignment}.py", f"{assignment}.ipynb"):
        exact = [e for e in candidates if e.name == wanted]
        if exact:
            others = [e.name for e in candidates if e != exact[0]]
            return exact[0], [f"graded {wanted}; also found {', '.join(others)}"] if others else []
    close = [e for e in candidates if stem(e.name) == assignment.lower()]
    if len(close) == 1:
        return close[0], [f"graded {close[0].name} as {assignment}{close[0].suffix.lower()}"]
    if len(close) > 1:
        raise NoSubmission(f"more than one file could be the submission ({', '.join(e.name for e in close)}); "
                           f"submit only {assignment}.py or {assignment}.ipynb")
    if len(candidates) == 1:
        return candidates[0], [f"expected a file named {assignment}.py; graded {candidates[0].name} instead"]
    found = ", ".join(e.name for e in entries)[:300] or "no files"
    raise NoSubmission(f"no {assignment}.py or {assignment}.ipynb was submitted (found: {found})")


def _entries(folder: Path) -> list[Path]:
    """The visible entries at the top of ``folder`` (no dot files, no macOS resource folders)."""
    return sorted(e for e in folder.iterdir() if not e.name.startswith(".") and e.name != "__MACOSX")


def prepare(assignment: str, path: Path, folder: Path) -> Prepared:
    """Locate the submission and write an importable ``.py`` copy of it into ``folder``."""
    original, notes = locate(assignment, path)
    if original.is_symlink():
        raise NoSubmission(f"{original.name} is a symbolic link; submit the file itself")
    is_notebook = original.suffix.lower() == ".ipynb"
    limit = MAX_NOTEBOOK_BYTES if is_notebook else MAX_BYTES
    if original.stat().st_size > limit:
        raise NoSubmission(f"{original.name} is larger than {limit // 2**20} MiB")
    target = folder / f"{assignment}.py"
    if is_notebook:
        cells = _code_cells(original)
        target.write_text(runner(f"{assignment}.py", cells, time_scale()))
        # IPython's syntax as blank lines: the cells' Python is what a policy reads, and no transformer runs here
        static = "\n".join(without_magics(text) for _, text in cells)
    else:
        data = original.read_bytes()
        try:
            data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise NoSubmission(f"{original.name} is not UTF-8 text (byte {exc.start} cannot be read); "
                               "save it as UTF-8") from None
        target.write_bytes(data)
        static = data.decode("utf-8")
    return Prepared(target, original, notes, static)


def _code_cells(notebook: Path) -> list[tuple[str, str]]:
    try:
        read = in_child(code_cells, str(notebook), MAX_BYTES, seconds=NOTEBOOK_SECONDS * time_scale())
    except ChildFailed:
        raise NoSubmission(f"{notebook.name} could not be read within the grader's limits of time and "
                           "memory") from None
    if "too_large" in read:
        raise NoSubmission(f"the code cells of {notebook.name} hold {read['too_large'] / 2**20:.1f} MiB of text; "
                           f"the limit is {MAX_BYTES // 2**20} MiB")
    if "cells" not in read:
        raise NoSubmission(f"{notebook.name} is not a readable notebook ({read.get('unreadable')})")
    return [(str(label), str(source)) for label, source in read["cells"]]
