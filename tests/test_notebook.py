"""A notebook is graded from its definitions; what it runs at the top level is skipped and listed."""
from __future__ import annotations

import time

import nbformat

from conftest import ROOT


def homework_notebook(path, *, broken_cell: bool = False):
    """A notebook shaped like the homework: imports, data, definitions, a long training loop, plots."""
    reference = (ROOT / "reference" / "hw6.py").read_text()
    cells = [nbformat.v4.new_markdown_cell("# Homework 6"),
             nbformat.v4.new_code_cell("%matplotlib inline\nimport matplotlib.pyplot as plt\nimport torch"),
             nbformat.v4.new_code_cell(reference),
             nbformat.v4.new_code_cell("X = torch.randn(512)\nmodel = STMConvLayer()\n"
                                       "for epoch in range(1000):\n    model(torch.randn(8, 256, 4, 4)).sum().backward()"),
             nbformat.v4.new_code_cell("plt.plot(double_descent(range(1, 1000), 0.01, 0))\nplt.show()\nprint('done')")]
    if broken_cell:
        cells.append(nbformat.v4.new_code_cell("def relu(x):\n    return x if x > 0 else 0 +\n"))
    nbformat.write(nbformat.v4.new_notebook(cells=cells), path)
    return path


def test_notebook_grades_like_the_python_file(grade_hw6, tmp_path):
    notebook = homework_notebook(tmp_path / "hw6.ipynb")
    started = time.perf_counter()
    run = grade_hw6(notebook)
    assert time.perf_counter() - started < 10  # the 1000-epoch loop never ran
    graded = run["graded"]
    assert graded.score == 48, [r.outcome.message for r in graded.results if not r.passed]
    skipped = "\n".join(graded.notes)
    assert "for epoch in range(1000):" in skipped and "plt.plot(" in skipped and "model = STMConvLayer()" in skipped
    assert "Homework 6" not in skipped  # docstrings are not reported


def test_a_broken_cell_costs_only_its_names(grade_hw6, tmp_path):
    notebook = homework_notebook(tmp_path / "hw6.ipynb", broken_cell=True)
    graded = grade_hw6(notebook, fresh=True)["graded"]
    assert any("syntax error" in n for n in graded.notes)
    assert graded.score == 48  # the reference's relu from the earlier cell still stands


def test_a_notebook_that_is_not_json_is_explained(grade_hw6, tmp_path):
    bad = tmp_path / "hw6.ipynb"
    bad.write_text("{not json")
    graded = grade_hw6(bad, fresh=True)["graded"]
    assert graded.score == 0
    assert "not a readable notebook" in graded.results[0].outcome.message


def test_a_notebook_of_many_statements_is_read_up_to_a_cap():
    from autograder.notebook import MAX_STATEMENTS, definitions

    cells = [("cell 1", "def relu(x):\n    return x\n"), ("cell 2", "\n".join(f"print({i})" for i in range(30_000)))]
    extracted = definitions(cells)
    assert "def relu" in extracted.source
    assert f"more than {MAX_STATEMENTS} top-level statements" in extracted.skipped[-1]
    assert len(extracted.skipped) == 1


def test_ipython_syntax_costs_nothing_and_a_constant_that_needs_a_skipped_value_is_reported():
    from autograder.notebook import definitions

    cells = [("cell 1", "import numpy as np\nfiles = !ls\nt = %timeit -o np.zeros(3)\nnp.zeros?\n"
                        "def relu(x):\n    return np.maximum(x, 0)\n"),
             ("cell 2", "W = np.ones(3)\nmodel = relu(W)\nPARAMS_PLAIN = int(model.sum())\nPARAMS_STM = relu(W).size\n")]
    extracted = definitions(cells)
    assert "def relu" in extracted.source and "syntax error" not in "\n".join(extracted.skipped)
    assert "cell 1, line 2: files = !ls" in extracted.skipped
    assert any(n.startswith("cell 2, line 3: PARAMS_PLAIN = int(model.sum()) needs model") for n in extracted.skipped)
    assert not any("PARAMS_STM" in n for n in extracted.skipped)  # computed from definitions: kept, silently
