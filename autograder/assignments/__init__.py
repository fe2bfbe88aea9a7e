"""The assignments the grader knows, and where their reference solutions live.

Importing this package loads nothing secret; ``load`` imports an
assignment's checks, which import its reference.
"""
from __future__ import annotations

import ast
import functools
import importlib
import importlib.util
import re
import sys
import types
from dataclasses import dataclass
from pathlib import Path

from ..spec import Check, collect

ASSIGNMENTS = ("hw3", "hw6", "nyu_hw1", "dl_hw2", "midterm")
GRADER_ROOT = Path(__file__).resolve().parents[2]
REFERENCE_PREFIX = "autograder_reference_"


@dataclass(frozen=True)
class Assignment:
    name: str
    checks: tuple[Check, ...]
    # (count, points) of the checks a student bundle leaves out: it must not even name them
    withheld: tuple[int, float] = (0, 0.0)

    @property
    def total(self) -> float:
        return sum(c.weight for c in self.checks) + self.withheld[1]

    def hidden(self) -> tuple[int, float]:
        """How many checks, worth how many points, students cannot run themselves."""
        unseen = [c for c in self.checks if c.visibility != "visible"]
        return len(unseen) + self.withheld[0], sum(c.weight for c in unseen) + self.withheld[1]


class UnknownAssignment(KeyError):
    pass


COPY_SUFFIX = re.compile(r"\s*\(\d+\)$")  # what a browser adds to a second download: "hw6 (1).py"


def stem(name: str) -> str:
    """A file's or an assignment's name as an assignment's: a .py/.ipynb suffix, case and a copy number ignored."""
    base = name.strip()
    if base.lower().endswith((".py", ".ipynb")):
        base = base.rsplit(".", 1)[0]
    return COPY_SUFFIX.sub("", base).strip().lower()


def available() -> list[str]:
    """The assignments whose checks are here (a student bundle holds one)."""
    return [name for name in ASSIGNMENTS if (Path(__file__).parent / f"{name}.py").is_file()]


def assignment_name(text: str) -> str:
    """``text`` as the name of an assignment that is here (``HW6`` and ``hw6 (1)`` are hw6); for argparse."""
    import argparse

    name = stem(text)
    if name not in available():
        raise argparse.ArgumentTypeError(f"unknown assignment {text!r} (here: {', '.join(available())})")
    return name


def reference_path(name: str) -> Path:
    if name not in ASSIGNMENTS:
        raise UnknownAssignment(name)
    return GRADER_ROOT / "reference" / f"{name}.py"


def load_reference(name: str) -> types.ModuleType:
    """The reference solution module, imported by file path under a private name."""
    module_name = REFERENCE_PREFIX + name
    if module_name not in sys.modules:
        spec = importlib.util.spec_from_file_location(module_name, reference_path(name))
        module = importlib.util.module_from_spec(spec)
        sys.modules[module_name] = module
        spec.loader.exec_module(module)
    return sys.modules[module_name]


def load(name: str) -> Assignment:
    """The assignment's checks (importing them loads the reference)."""
    if name not in ASSIGNMENTS:
        raise UnknownAssignment(name)
    module = importlib.import_module(f"{__name__}.{name}")
    return Assignment(name, tuple(collect(module)), getattr(module, "WITHHELD", (0, 0.0)))


def secrets_loaded() -> list[str]:
    """Modules whose presence in memory a student process must never inherit."""
    return [m for m in sys.modules if m.startswith(REFERENCE_PREFIX) or m.startswith(f"{__name__}.")]


def judges_formulas(name: str) -> bool:
    """Whether the checks of ``name`` judge formulas (import ``answers.formula``), read from their source
    without importing them: the grader then starts what SymPy needs beside its own start-up."""
    return any(isinstance(node, ast.ImportFrom) and node.module == "answers"
               and any(alias.name == "formula" for alias in node.names) for node in _syntax(name))


def calls_ahead(name: str) -> bool:
    """Whether a check of ``name`` declares a call ``ahead`` (ahead.py), read from the source without importing
    it: the grader then forks the second worker's server while nothing secret is loaded."""
    return any(isinstance(node, ast.keyword) and node.arg == "ahead" for node in _syntax(name))


@functools.cache
def _syntax(name: str) -> tuple[ast.AST, ...]:
    path = Path(__file__).with_name(f"{name}.py")
    return tuple(ast.walk(ast.parse(path.read_text()))) if path.exists() else ()
