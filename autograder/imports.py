"""Which of the grader's own files an entry point needs: what the Gradescope zip and the student bundle hold.

Derived from the import statements themselves, never from a hand-kept list,
so a module added to the harness travels with it. An import inside a ``try``
that catches ``ImportError`` is optional (the student bundle leaves the staff
commands out that way) and is not followed.
"""
from __future__ import annotations

import ast
from pathlib import Path

from .assignments import GRADER_ROOT

PACKAGE = GRADER_ROOT / "autograder"
# Started by module name (``python -m``) or imported by name at run time, which no import statement shows.
ENTRY_POINTS = ("__init__.py", "__main__.py", "sandbox/__main__.py", "sandbox/spawned.py",
                "assignments/__init__.py")
OPTIONAL = {"ImportError", "ModuleNotFoundError"}


def needed_files(entries: tuple[str, ...] | list[str]) -> list[Path]:
    """Every file of the package that importing ``entries`` (paths inside it) can load, with the
    package's data files (``*.json``) beside the modules that read them."""
    todo = [PACKAGE / e for e in entries]
    seen: set[Path] = set()
    while todo:
        path = todo.pop()
        if path in seen:
            continue
        seen.add(path)
        todo += _parents(path)
        todo += [p for p in _imported(path) if p not in seen]
    data = {p for p in PACKAGE.rglob("*.json") if p.parent in {s.parent for s in seen}}
    return sorted(seen | data)


def _parents(path: Path) -> list[Path]:
    """The ``__init__.py`` of every package above ``path`` inside the grader's package."""
    return [folder / "__init__.py" for folder in path.parents if folder.is_relative_to(PACKAGE)]


def _module_file(parts: list[str]) -> Path | None:
    base = PACKAGE.parent.joinpath(*parts)
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def _imported(path: Path) -> list[Path]:
    """The package's files that ``path`` imports outside an optional (``except ImportError``) block."""
    package = list(path.relative_to(PACKAGE.parent).parent.parts)
    found = []
    for node in _required_imports(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.ImportFrom) and node.level:
            base = package[:len(package) - node.level + 1] + (node.module.split(".") if node.module else [])
            targets = [base] + [base + [alias.name] for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == PACKAGE.name:
            base = node.module.split(".")
            targets = [base] + [base + [alias.name] for alias in node.names]
        elif isinstance(node, ast.Import):
            targets = [a.name.split(".") for a in node.names if a.name.split(".")[0] == PACKAGE.name]
        else:
            continue
        found += filter(None, map(_module_file, targets))
    return found


def _required_imports(tree: ast.AST) -> list[ast.Import | ast.ImportFrom]:
    """Import statements anywhere in ``tree`` (functions included), except those guarded as optional."""
    if isinstance(tree, (ast.Import, ast.ImportFrom)):
        return [tree]
    if isinstance(tree, ast.Try) and any(_catches_import_error(h) for h in tree.handlers):
        children = [*tree.handlers, *tree.orelse, *tree.finalbody]
    else:
        children = list(ast.iter_child_nodes(tree))
    return [node for child in children for node in _required_imports(child)]


def _catches_import_error(handler: ast.ExceptHandler) -> bool:
    caught = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
    return any(isinstance(c, ast.Name) and c.id in OPTIONAL for c in caught)
