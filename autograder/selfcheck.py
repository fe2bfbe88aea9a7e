"""``check("hw6")`` in a student's notebook: the visible checks on the definitions run so far.

The checks run in a separate ``python -m autograder check`` process, as on
Gradescope, so nothing the grader loads enters the student's kernel and a
hang in the student's code cannot freeze it.
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

    In Jupyter it grades the cells run so far, in the order they ran, read
    as Gradescope reads a notebook (definitions only); in a script, the
    script's file.
    """
    from .notebook import definitions

    with tempfile.TemporaryDirectory(prefix="autograder-check-") as tmp:
        cells = _cells_run_so_far()
        if cells is None:
            target = Path(sys.modules["__main__"].__file__)
        else:
            extracted = definitions(cells)
            target = Path(tmp) / f"{assignment}.py"
            target.write_text(extracted.source)
            if extracted.skipped:
                print(f"({len(extracted.skipped)} top-level statements that are not definitions were skipped, "
                      "as on Gradescope)")
        command = [sys.executable, "-m", "autograder", "check", assignment, str(target), "--compact"]
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(PACKAGE_PARENT),
                                                                       os.environ.get("PYTHONPATH")])))
        done = subprocess.run(command + (["--name", name] if name else []), capture_output=True, text=True, env=env)
    print(done.stdout.rstrip())
    if done.returncode != 0:
        print(done.stderr.strip().splitlines()[-1] if done.stderr.strip() else f"exit status {done.returncode}")


def _cells_run_so_far() -> list[tuple[str, str]] | None:
    """The source of every cell run in this IPython kernel, in order; None outside IPython."""
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None
    if shell is None:
        return None
    raw = shell.history_manager.input_hist_raw
    return [(f"In [{number}]", source) for number, source in enumerate(raw) if number and source.strip()]
