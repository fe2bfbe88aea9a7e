"""Students checking their own work: `python -m autograder check`, and check() in a notebook."""
from __future__ import annotations

import re
import subprocess
import sys
import textwrap

from conftest import ROOT, cli


def test_check_runs_only_the_visible_checks_and_counts_the_rest():
    proc = cli("check", "hw6", "examples/hw6.py")
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    numbers = {line.split()[0] for line in out.splitlines() if re.match(r"\d+\.\d+ ", line)}
    assert numbers == {"2.2", "2.3", "3.1", "3.2", "5.1", "5.2", "5.3", "5.4", "6.1", "6.3", "6.4", "6.5", "6.6",
                       "6.7", "6.8", "6.9"}
    assert "likely cause: 0 parameters registered: the layers are kept in a Python list" in out
    assert "Total: 25/37" in out
    assert "7 more checks worth 11 of 48 points are graded only on Gradescope" in out


def test_check_of_one_name():
    proc = cli("check", "hw6", "reference/hw6.py", "--name", "solve_lsqr", "--compact")
    rows = [line for line in proc.stdout.splitlines() if line.startswith(("ok", "XX"))]
    assert [row.split()[1] for row in rows] == ["6.1", "6.3", "6.4"]
    assert all(row.startswith("ok") for row in rows)


def test_check_of_an_unknown_name_lists_the_checks():
    proc = cli("check", "hw6", "reference/hw6.py", "--name", "solve")
    assert proc.returncode == 2
    out = proc.stdout
    assert "no visible check is about solve" in out and "6.1 solve_lsqr with more samples than features" in out


NOTEBOOK_SESSION = '''
from IPython.core.interactiveshell import InteractiveShell

shell = InteractiveShell.instance()
cells = [
    "import numpy as np\\nimport matplotlib\\n",
    {reference!r},
    "X = np.random.randn(500, 8)\\nfor epoch in range(3):\\n    print('epoch', epoch)\\n",
    "from autograder import check\\ncheck('hw6', 'solve_lsqr')",
    "def solve_lsqr(X, y, lamda):\\n    return np.linalg.solve(X.T @ X, X.T @ y)\\n",
    "check('hw6', 'solve_lsqr')",
]
for cell in cells:
    shell.run_cell(cell, store_history=True)
'''


def test_check_in_a_notebook_grades_the_cells_run_so_far():
    session = NOTEBOOK_SESSION.format(reference=(ROOT / "reference/hw6.py").read_text())
    out = subprocess.run([sys.executable, "-c", textwrap.dedent(session)], cwd=ROOT, capture_output=True,
                         text=True, timeout=300).stdout
    first, second = out.split("on these checks")[:2]
    assert "ok  6.1" in first and "5/5" in first  # the reference's solve_lsqr
    assert "XX  6.1" in second  # the later cell redefined it without the penalty
    assert "likely cause" not in second or "penalty" in second
    assert "checking the cells run so far" in out


def test_check_in_a_notebook_grades_the_saved_notebook_and_says_when_cells_are_unsaved(tmp_path):
    import os

    import nbformat

    reference = (ROOT / "reference/hw6.py").read_text()
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(reference)]), tmp_path / "hw6.ipynb")
    session = NOTEBOOK_SESSION.format(reference=reference)  # ... then a cell, never saved, breaks solve_lsqr
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    out = subprocess.run([sys.executable, "-c", textwrap.dedent(session)], cwd=tmp_path, capture_output=True,
                         text=True, timeout=300, env=env).stdout
    first, second = out.split("on these checks")[:2]
    assert "ok  6.1" in first and "ok  6.1" in second  # the saved notebook is what counts, as on Gradescope
    assert "hw6.ipynb does not hold as saved" in second
