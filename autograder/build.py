"""The autograder zip a course uploads to Gradescope."""
from __future__ import annotations

import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from .assignments import GRADER_ROOT, reference_path
from .seeds import course_seed
from .imports import ENTRY_POINTS, PACKAGE, needed_files

ZIP_ROOT_FILES = ("setup.sh", "run_autograder", "requirements.txt", "pyproject.toml")
EXECUTABLE = 0o100755 << 16
REGULAR = 0o100644 << 16


def build_zip(assignment: str, out_dir: Path) -> Path:
    """Write ``out_dir/<assignment>-autograder.zip`` with setup.sh and run_autograder at its root.

    Only this assignment's reference goes in; the file ASSIGNMENT tells
    run_autograder which one to grade, and SEED holds the course's secret seed of the
    inputs it grades on, drawn here (never the student bundle's). The
    expected values at that seed are computed here too (precomputed/), so
    that grading a submission runs the reference only where the expected
    value depends on the submission's own output.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / f"{assignment}-autograder.zip"
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zf:
        for name in ZIP_ROOT_FILES:
            add_file(zf, GRADER_ROOT / name, name)
        add_text(zf, "requirements.lock", lock_file())
        add_text(zf, "ASSIGNMENT", assignment + "\n")
        seed = course_seed()
        add_text(zf, "SEED", f"{seed}\n")
        with tempfile.TemporaryDirectory() as tmp:
            # a fresh process: precompute must import the checks itself, while it records
            subprocess.run([sys.executable, "-m", "autograder", "precompute", assignment, "--seed", str(seed),
                            "-o", tmp], cwd=GRADER_ROOT, check=True, stdout=subprocess.DEVNULL)
            for path in sorted(Path(tmp).iterdir()):
                add_file(zf, path, f"precomputed/{path.name}")
        for path in needed_files(ENTRY_POINTS + ("staff_commands.py", f"assignments/{assignment}.py")):
            add_file(zf, path, str(path.relative_to(PACKAGE.parent)))
        add_file(zf, reference_path(assignment), f"reference/{assignment}.py")
    return target


def lock_file() -> str:
    """The versions of everything requirements.txt needs, as installed where the zip is built: setup.sh
    installs exactly these, so that Gradescope grades with the libraries the zip was built and tested with
    (and its precomputed values, which record them, are used). Torch is left to setup.sh, which takes its
    CPU build."""
    from importlib.metadata import PackageNotFoundError, distribution

    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    lines = (GRADER_ROOT / "requirements.txt").read_text().splitlines()
    todo = [Requirement(line.split("#")[0]).name for line in lines if line.split("#")[0].strip()]
    pinned: dict[str, str] = {}
    while todo:
        name = canonicalize_name(todo.pop())
        if name in pinned or name == "torch":
            continue
        try:
            found = distribution(name)
        except PackageNotFoundError:
            continue  # a dependency of another platform's only
        pinned[name] = found.version
        for text in found.requires or []:
            needed = Requirement(text)
            if needed.marker is None or needed.marker.evaluate({"extra": ""}):
                todo.append(needed.name)
    header = f"# python {sys.version_info.major}.{sys.version_info.minor}: the zip was built and tested with these\n"
    return header + "".join(f"{name}=={version}\n" for name, version in sorted(pinned.items()))


def add_file(zf: zipfile.ZipFile, path: Path, arcname: str) -> None:
    """``path`` into the zip, keeping whether it is executable."""
    _write(zf, arcname, path.read_bytes(), EXECUTABLE if path.stat().st_mode & 0o111 else REGULAR)


def add_text(zf: zipfile.ZipFile, arcname: str, text: str) -> None:
    _write(zf, arcname, text.encode(), REGULAR)


def _write(zf: zipfile.ZipFile, arcname: str, data: bytes, mode: int) -> None:
    info = zipfile.ZipInfo(arcname)
    info.external_attr = mode
    info.compress_type = zipfile.ZIP_DEFLATED
    zf.writestr(info, data)
