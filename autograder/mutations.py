"""Known mistakes as submissions: ``tests/submissions/<assignment>/`` holds each as a ``.py`` file or as a
``.mutation``, a list of edits of the reference. The test suite grades them; ``bundle`` records the
expected values their diagnoses need."""
from __future__ import annotations

from pathlib import Path

from .assignments import GRADER_ROOT, reference_path

SUBMISSIONS = GRADER_ROOT / "tests" / "submissions"


def apply_mutation(source: str, mutation: str) -> str:
    """The source with each ``old === becomes === new`` edit of a .mutation file applied once.

    Each old text must occur exactly once, so a mutation that no longer fits
    its reference fails loudly instead of testing nothing.
    """
    mutation = mutation[:-1] if mutation.endswith("\n") else mutation  # the file's own final newline
    for edit in mutation.split("\n=== and ===\n"):
        old, new = edit.split("\n=== becomes ===\n")
        if source.count(old) != 1:
            raise ValueError(f"the mutation's text occurs {source.count(old)} times: {old!r}")
        source = source.replace(old, new)
    return source


def mistake_file(assignment: str, name: str, folder: Path) -> Path:
    """The submission for mistake ``name``: its ``.py``, or the reference mutated into ``folder``."""
    written = SUBMISSIONS / assignment / f"{name}.py"
    if written.exists():
        return written
    target = folder / assignment / f"{name}.py"
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        mutation = (SUBMISSIONS / assignment / f"{name}.mutation").read_text()
        target.write_text(apply_mutation(reference_path(assignment).read_text(), mutation))
    return target


def mutated_sources(assignment: str, folder: Path) -> list[Path]:
    """Every known mistake of ``assignment`` as a file."""
    names = sorted({p.stem for p in (SUBMISSIONS / assignment).glob("*") if p.suffix in (".py", ".mutation")})
    return [mistake_file(assignment, name, folder) for name in names]
