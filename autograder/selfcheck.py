"""``check("hw6")`` in a student's notebook: the visible checks on the saved notebook, what Gradescope grades.

The checks run in a separate ``python -m autograder check`` process, as on
Gradescope, so nothing the grader loads enters the student's kernel and a
hang in the student's code cannot freeze it. The kernel's own history is
graded only where no saved notebook can be found.
"""
from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

PACKAGE_PARENT = Path(__file__).resolve().parents[1]


def check(assignment: str, name: str | None = None) -> None:
    """Run the visible checks of ``assignment`` (only those about ``name``, if given) and print a table.

    In Jupyter it grades the saved notebook, read exactly as Gradescope
    reads it, and says so when the kernel ran cells the saved file does not
    hold (unsaved, or deleted since); with no saved notebook to be found,
    the cells run so far. In a script, the script's file.
    """
    from .assignments import stem
    from .notebook import runner

    assignment = stem(assignment)  # "HW6" as the command line takes it
    with tempfile.TemporaryDirectory(prefix="autograder-check-") as tmp:
        cells = _cells_run_so_far()
        saved = _saved_notebook(assignment) if cells is not None else None
        if cells is None:
            target = Path(sys.modules["__main__"].__file__)
        elif saved is not None:
            target = saved
            if _unsaved(cells, saved):
                print(f"note: this kernel ran cells that {saved.name} does not hold as saved; the saved file is "
                      "what is checked here and what Gradescope grades: save the notebook and run check again")
        else:
            target = Path(tmp) / f"{assignment}.py"
            target.write_text(runner(target.name, cells))
            print(f"note: no saved {assignment}.ipynb found beside this kernel; checking the cells run so far")
        command = [sys.executable, "-m", "autograder", "check", assignment, str(target), "--compact"]
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(PACKAGE_PARENT),
                                                                       os.environ.get("PYTHONPATH")])))
        done = subprocess.run(command + (["--name", name] if name else []), capture_output=True, text=True, env=env)
    print(done.stdout.rstrip())
    if done.returncode != 0:
        print(done.stderr.strip().splitlines()[-1] if done.stderr.strip() else f"exit status {done.returncode}")


def _saved_notebook(assignment: str) -> Path | None:
    """The notebook this kernel runs, as Jupyter (JPY_SESSION_NAME) or VS Code names it; else
    ``<assignment>.ipynb`` in the working folder."""
    ipython = sys.modules["IPython"].get_ipython()
    named = os.environ.get("JPY_SESSION_NAME") or ipython.user_ns.get("__vsc_ipynb_file__")
    for candidate in filter(None, [named, f"{assignment}.ipynb"]):
        path = Path(candidate)
        if path.suffix == ".ipynb" and path.is_file():
            return path
    return None


def _unsaved(cells: list[tuple[str, str]], saved: Path) -> bool:
    """Whether the kernel ran code (other than check itself) that no saved cell holds."""
    import nbformat

    try:
        sources = {c.source.strip() for c in nbformat.read(saved, as_version=4).cells if c.cell_type == "code"}
    except Exception:  # noqa: BLE001 - a file being written: the check itself will say it is unreadable
        return False
    return any(source.strip() not in sources and "check(" not in source for _, source in cells)


def _cells_run_so_far() -> list[tuple[str, str]] | None:
    """The source of every cell run in this IPython kernel, in order; None outside IPython."""
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None
    if shell is None:
        return None
    raw = shell.history_manager.input_hist_raw
    return [(f"In [{number}]", source) for number, source in enumerate(raw) if number and source.strip()]
