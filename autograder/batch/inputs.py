"""Finding the submissions of a batch: a flat folder, or Gradescope's "Export Submissions" layout."""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import yaml

METADATA = "submission_metadata.yml"
GRADABLE = (".py", ".ipynb")


class DuplicateIds(ValueError):
    """Two submissions of a folder would get the same id."""


class UnknownIds(ValueError):
    """An id asked for is not one of the folder's submissions."""


@dataclass(frozen=True)
class Student:
    """One person on a submission, as Gradescope's export names them."""

    name: str = ""
    email: str = ""
    sid: str = ""


@dataclass(frozen=True)
class BatchSubmission:
    """One submission of a batch: a stable id, where it is, who sent it (several, for a group) and when."""

    id: str
    path: Path
    students: tuple[Student, ...] = ()
    submitted: str = ""
    late: str = ""

    @property
    def name(self) -> str:
        return "; ".join(s.name for s in self.students)

    @property
    def email(self) -> str:
        return "; ".join(s.email for s in self.students)


def find_submissions(folder: Path) -> list[BatchSubmission]:
    """Every submission under ``folder``, sorted by id.

    A Gradescope export holds one folder per submission and its metadata,
    either in one ``submission_metadata.yml`` at the top (Gradescope's own
    export) or one per folder. Otherwise each ``.py``/``.ipynb`` file and
    each sub-folder at the top of ``folder`` is one submission.
    """
    top = _metadata(folder / METADATA)
    found = []
    for entry in sorted(folder.iterdir()):
        if entry.name.startswith(".") or entry.name == METADATA or entry.name == "__MACOSX":
            continue
        if entry.is_dir():
            about = top.get(entry.name) or _metadata(entry / METADATA).get(None) or {}
            found.append(BatchSubmission(_safe_id(entry.name), entry, _students(about), _field(about, "created_at"),
                                         _field(about, "late") or _field(about, "lateness")))
        elif entry.suffix in GRADABLE:
            found.append(BatchSubmission(_safe_id(entry.stem), entry))
    ids = [s.id for s in found]
    clashes = sorted({i for i in ids if ids.count(i) > 1})
    if clashes:
        raise DuplicateIds(f"two submissions would share the id {clashes[0]!r} (e.g. a .py and an .ipynb); "
                         "keep one of them")
    return found


def _metadata(path: Path) -> dict:
    """Gradescope's metadata: folder name -> its record; a per-folder file is stored under None."""
    if not path.is_file():
        return {}
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    if not isinstance(data, dict):
        return {}
    if ":submitters" in data or "submitters" in data:
        return {None: data}
    return {str(k): v for k, v in data.items() if isinstance(v, dict)}


def _field(about: dict, key: str) -> str:
    """A field of Gradescope's metadata, written ``:key:`` in its YAML (or plain ``key``)."""
    value = about.get(f":{key}", about.get(key, ""))
    return "" if value is None else str(value)


def _students(about: dict) -> tuple[Student, ...]:
    """Everyone on the submission (several for a group)."""
    people = about.get(":submitters") or about.get("submitters") or []
    return tuple(Student(_field(p, "name"), _field(p, "email"), _field(p, "sid")) for p in people
                 if isinstance(p, dict))


def _safe_id(name: str) -> str:
    """A file-name-safe id that stays readable (``peggy (1)``, not ``peggy__1_``): results are written as
    ``<id>.json``."""
    return re.sub(r"[^\w .()-]", "_", name).strip(". ") or "submission"
