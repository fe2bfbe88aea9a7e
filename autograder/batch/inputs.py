"""Finding the submissions of a batch: a flat folder, or Gradescope's "Export Submissions" layout."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import yaml

METADATA = "submission_metadata.yml"
GRADABLE = (".py", ".ipynb")


class DuplicateIds(ValueError):
    """Two submissions of a folder would get the same id."""


class UnknownIds(ValueError):
    """An id asked for is not one of the folder's submissions."""


class BadMetadata(ValueError):
    """Gradescope's metadata file cannot be read; the message says where."""


class _Loader(yaml.SafeLoader):
    """YAML as Gradescope's export writes it: a tag the safe loader does not know (Ruby's objects, times) is
    read as the plain value it tags, never as an error."""


_Loader.add_multi_constructor("!", lambda loader, suffix, node: (
    loader.construct_mapping(node) if isinstance(node, yaml.MappingNode)
    else loader.construct_sequence(node) if isinstance(node, yaml.SequenceNode) else loader.construct_scalar(node)))


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
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_Loader) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f", line {mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise BadMetadata(f"{path}{where}: {problem}") from None
    except UnicodeDecodeError as exc:
        raise BadMetadata(f"{path}: not UTF-8 text (byte {exc.start})") from None
    if not isinstance(data, dict):
        return {}
    if ":submitters" in data or "submitters" in data:
        return {None: data}
    return {str(k): v for k, v in data.items() if isinstance(v, dict)}


def matching(submissions: list[BatchSubmission], wanted: str) -> list[BatchSubmission]:
    """The submissions ``wanted`` names: by id, or by a student's SID, e-mail or name (case ignored)."""
    key = wanted.strip().casefold()
    return [s for s in submissions if s.id.casefold() == key
            or any(key in (p.sid.casefold(), p.email.casefold(), p.name.casefold()) for p in s.students)]


def lateness(submitted: str, due: datetime) -> str:
    """How late a submission time (as Gradescope's export writes it) is after ``due``; empty if on time."""
    when = parse_time(submitted)
    if when is None or when <= due:
        return ""
    minutes = int((when - due).total_seconds() // 60)
    days, minutes = divmod(minutes, 24 * 60)
    return " ".join(part for part in (f"{days} d" if days else "", f"{minutes // 60} h {minutes % 60} min")
                    if part) + " late"


def parse_time(text: str) -> datetime | None:
    """A time as Gradescope's export or a TA writes it (``2026-11-20 23:59:00 -0800``, ISO 8601); one without
    a zone is the machine's local time."""
    cleaned = re.sub(r"\s+([+-]\d{2}):?(\d{2})$", r"\1\2", text.strip()).replace(" UTC", "+0000")
    for form in ("%Y-%m-%d %H:%M:%S.%f%z", "%Y-%m-%d %H:%M:%S%z", "%Y-%m-%d %H:%M%z"):
        try:
            return datetime.strptime(cleaned, form)
        except ValueError:
            pass
    try:
        when = datetime.fromisoformat(text.strip())
    except ValueError:
        return None
    return when if when.tzinfo else when.astimezone()


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
