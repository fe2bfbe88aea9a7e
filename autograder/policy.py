"""Course policy read from the submission's source: calls a check forbids in the functions it grades.

The handout may ask for a result "by the formulas": automatic
differentiation then gives the right numbers without the work. A check
declares the forbidden names (``@check(..., forbid=AUTOGRAD)``); they are
looked for, statically, in the graded function and in every function of the
submission it calls. It reads the source only (no student code runs here),
so it is a policy for honest work, not a wall against someone who hides a
call; the values are checked as for everyone. A rule that only asks for a
better method (``costs_points=False``) is told beside the check's verdict.
"""
from __future__ import annotations

import ast
from dataclasses import dataclass

# attribute names and modules that are automatic differentiation in torch
AUTOGRAD = frozenset({"autograd", "backward", "grad", "requires_grad", "requires_grad_", "jacobian", "hessian",
                      "jacrev", "jacfwd", "vjp", "jvp", "functorch", "func"})
# a matrix inverse formed explicitly, in NumPy, SciPy or torch
INVERSE = frozenset({"inv", "pinv", "inverse"})


@dataclass(frozen=True)
class Forbidden:
    """What a check does not accept in the functions it grades, and the handout's words for why."""

    functions: tuple[str, ...]
    names: frozenset[str]
    why: str
    costs_points: bool = True  # False: the use is told beside the check's own verdict, which stands


def forbidden_uses(source: str, rule: Forbidden) -> list[str]:
    """Where the graded functions (and what they call) use a forbidden name: ``line N: text``."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return []  # a file that does not parse is graded, and explained, by the checks themselves
    functions = {n.name: n for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))}
    imported = _imported_forbidden(tree, rule.names)
    lines = source.splitlines()
    todo, seen, found = [f for f in rule.functions if f in functions], set(), []
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        for node in ast.walk(functions[name]):
            if isinstance(node, ast.Name) and node.id in functions:
                todo.append(node.id)
            if _forbidden(node, rule.names, imported):
                text = lines[node.lineno - 1].strip() if node.lineno <= len(lines) else ""
                found.append(f"line {node.lineno}: {text[:80]}")
    return sorted(set(found), key=lambda line: int(line.split(":")[0].split()[1]))


def _imported_forbidden(tree: ast.Module, names: frozenset[str]) -> set[str]:
    """Module-level names bound to a forbidden module or function (``from torch.autograd import grad``)."""
    bound = set()
    for node in tree.body:
        if isinstance(node, ast.ImportFrom):
            bound |= {a.asname or a.name for a in node.names if _imports_forbidden(node, a, names)}
        elif isinstance(node, ast.Import):
            bound |= {a.asname or a.name for a in node.names if set(a.name.split(".")) & names}
    return bound


def _forbidden(node: ast.AST, names: frozenset[str], imported: set[str]) -> bool:
    if isinstance(node, ast.Attribute):
        return node.attr in names
    if isinstance(node, ast.Name):
        return node.id in imported
    if isinstance(node, ast.ImportFrom):
        return any(_imports_forbidden(node, a, names) for a in node.names)
    if isinstance(node, ast.Import):
        return any(set(a.name.split(".")) & names for a in node.names)
    if isinstance(node, ast.keyword):
        return node.arg in names  # torch.tensor(..., requires_grad=True)
    return False


def _imports_forbidden(node: ast.ImportFrom, alias: ast.alias, names: frozenset[str]) -> bool:
    """Whether ``from module import alias`` brings something forbidden: from a forbidden module, or by name."""
    return bool(set((node.module or "").split(".")) & names) or alias.name in names
