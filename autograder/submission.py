"""Finding the student's file in what was submitted, and turning it into a module."""
from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from .notebook import extract

MAX_BYTES = 2 * 2**20


class NoSubmission(Exception):
    """Nothing gradable was submitted; the message says what was found instead."""


@dataclass
class Prepared:
    """A Python file ready to import, and notes for the student about how it was made."""

    source: Path
    original: Path
    notes: list[str] = field(default_factory=list)


def locate(assignment: str, path: Path) -> tuple[Path, list[str]]:
    """The file to grade: ``path`` itself, or ``<assignment>.py``/``.ipynb`` inside it."""
    notes: list[str] = []
    if path.is_file():
        return path, notes
    if not path.is_dir():
        raise NoSubmission(f"{path.name} does not exist")
    files = _files(path)
    candidates = [p for p in files if p.suffix in (".py", ".ipynb") and "__MACOSX" not in p.parts]
    for wanted in (f"{assignment}.py", f"{assignment}.ipynb"):
        exact = sorted((p for p in candidates if p.name == wanted), key=lambda p: len(p.parts))  # shallowest
        if exact:
            others = [p.name for p in candidates if p not in exact]
            if len(exact) > 1 or others:
                notes.append(f"graded {exact[0].relative_to(path)}; also found {', '.join(others) or 'another copy'}")
            return exact[0], notes
    if len(candidates) == 1:
        notes.append(f"expected a file named {assignment}.py; graded {candidates[0].name} instead")
        return candidates[0], notes
    found = ", ".join(p.name for p in files)[:300] or "no files"
    raise NoSubmission(f"no {assignment}.py or {assignment}.ipynb was submitted (found: {found})")


def _files(folder: Path) -> list[Path]:
    """Every file and link below ``folder``, without following links into other folders."""
    found = [Path(top) / name for top, dirs, names in os.walk(folder) for name in names + [
        d for d in dirs if (Path(top) / d).is_symlink()]]
    return sorted(found)


def prepare(assignment: str, path: Path) -> Prepared:
    """Locate the submission and produce an importable ``.py`` copy of it."""
    original, notes = locate(assignment, path)
    if original.is_symlink():
        raise NoSubmission(f"{original.name} is a symbolic link; submit the file itself")
    if original.stat().st_size > MAX_BYTES:
        raise NoSubmission(f"{original.name} is larger than {MAX_BYTES // 2**20} MiB")
    folder = Path(tempfile.mkdtemp(prefix="submission-"))
    target = folder / f"{assignment}.py"
    if original.suffix == ".ipynb":
        try:
            extracted = extract(original)
        except Exception as exc:  # noqa: BLE001 - nbformat raises many kinds for a broken notebook
            raise NoSubmission(f"{original.name} is not a readable notebook ({type(exc).__name__}: "
                               f"{str(exc)[:200]})") from None
        target.write_text(extracted.source)
        notes.extend(f"notebook: skipped {s}" for s in extracted.skipped)
    else:
        data = original.read_bytes()
        try:
            data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise NoSubmission(f"{original.name} is not UTF-8 text (byte {exc.start} cannot be read); "
                               "save it as UTF-8") from None
        target.write_bytes(data)
    return Prepared(target, original, notes)
