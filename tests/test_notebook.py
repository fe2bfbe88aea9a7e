"""A notebook is run top to bottom as Jupyter runs it, inside the worker: what raises costs only what
depends on it, long work is stopped, and the student gets one short note on what could not run."""
from __future__ import annotations

import time

import nbformat
import pytest

from autograder.submission import NoSubmission, prepare
from conftest import ROOT


def write_notebook(path, *sources: str):
    cells = [nbformat.v4.new_markdown_cell("# Homework")] + [nbformat.v4.new_code_cell(s) for s in sources]
    nbformat.write(nbformat.v4.new_notebook(cells=cells), path)
    return path


def reference(name: str) -> str:
    return (ROOT / "reference" / f"{name}.py").read_text()


def failed(graded) -> dict[str, str]:
    return {r.check.number: r.outcome.message for r in graded.results if not r.passed}


def test_a_homework_notebook_with_data_files_plots_and_training_earns_every_point(grade_hw6, tmp_path):
    notebook = write_notebook(
        tmp_path / "hw6.ipynb",
        "%matplotlib inline\nimport matplotlib.pyplot as plt\nimport torch\n!pip install torch",
        "data_file = np.load('data.npz')  # a file the submission does not hold",
        reference("hw6"),
        "X_check = data_file['X']  # raises: costs only X_check\nn_train = 300",
        "model = STMConvLayer()\nfor epoch in range(10**9):\n    pass  # stopped, and what ran before stays",
        "plt.plot(double_descent([10, 20], 0.01, 0))\nplt.show()\ndisplay(model)\nprint('done')",
        "from autograder import check\ncheck('hw6')")
    graded = grade_hw6(notebook)["graded"]
    assert graded.score == 48, failed(graded)
    assert len(graded.notes) == 1, graded.notes  # one short note, never a line per statement
    note = graded.notes[0]
    assert "cell 3, line 1: NameError" in note and "cell 5, line 1: NameError" in note
    assert "cell 6, line 2: stopped after" in note and "a shell command (!pip install torch)" in note


def test_a_def_in_a_time_cell_and_lower_case_globals_are_defined(grade_submission, tmp_path):
    source = reference("nyu_hw1")
    notebook = write_notebook(tmp_path / "nyu_hw1.ipynb", "%%time\n" + source)
    graded = grade_submission("nyu_hw1", notebook)["graded"]
    assert graded.score == 12, failed(graded)
    assert graded.notes == []


def test_constants_computed_from_what_ran_before_are_read(grade_submission, tmp_path):
    source = reference("hw3").replace("NUM_PARAMETERS = ", "_UNUSED = ")
    notebook = write_notebook(
        tmp_path / "hw3.ipynb", source,
        "torch.manual_seed(0)\nX_train = torch.normal(0.0, 1.0, (512,))\nn_train = X_train.shape[0]",
        "model = MLP()\nNUM_PARAMETERS = sum(p.numel() for p in model.parameters())")
    graded = grade_submission("hw3", notebook)["graded"]
    assert graded.score == 24, failed(graded)


def test_a_graded_name_left_undefined_is_named_once(grade_hw6, tmp_path):
    source = reference("hw6")
    broken = source.replace("def solve_lsqr(", "def solve_lsqr(:\n    pass\n\ndef _unused(")
    notebook = write_notebook(tmp_path / "hw6.ipynb", broken)
    graded = grade_hw6(notebook, fresh=True)["graded"]
    assert "syntax error" in graded.notes[0] and "the cell did not run" in graded.notes[0]
    assert graded.notes[1:] and "solve_lsqr" in graded.notes[1] and "STMConvLayer" in graded.notes[1]


def test_a_broken_cell_costs_only_its_names(grade_hw6, tmp_path):
    notebook = write_notebook(tmp_path / "hw6.ipynb", reference("hw6"),
                              "def relu(x):\n    return x if x > 0 else 0 +\n")
    graded = grade_hw6(notebook, fresh=True)["graded"]
    assert any("syntax error" in n for n in graded.notes)
    assert graded.score == 48  # the reference's relu from the earlier cell still stands


def test_a_notebook_that_is_not_json_is_explained(grade_hw6, tmp_path):
    bad = tmp_path / "hw6.ipynb"
    bad.write_text("{not json")
    graded = grade_hw6(bad, fresh=True)["graded"]
    assert graded.score == 0
    assert "not a readable notebook" in graded.results[0].outcome.message


def test_a_notebook_large_with_outputs_is_graded_and_one_large_with_code_is_refused(grade_hw6, tmp_path):
    plots = nbformat.v4.new_code_cell("plt.show()")
    plots.outputs = [nbformat.v4.new_output("display_data", data={"image/png": "iVBORw0K" * 400_000})]
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(reference("hw6")), plots])
    path = tmp_path / "outputs" / "hw6.IPYNB"  # the extension as some systems write it
    path.parent.mkdir()
    nbformat.write(notebook, path)
    assert path.stat().st_size > 3 * 2**20  # over the 2 MiB a Python file may hold: its code is far less
    assert grade_hw6(path, fresh=True)["graded"].score == 48
    notebook.cells.append(nbformat.v4.new_code_cell("text = '" + "a" * (2 * 2**20) + "'"))
    nbformat.write(notebook, path)
    with pytest.raises(NoSubmission, match="the code cells of hw6.IPYNB hold 2.0 MiB of text; the limit is 2 MiB"):
        prepare("hw6", path, tmp_path)


def test_the_grader_never_transforms_a_notebook_itself(tmp_path):
    """IPython's transformer re-reads a cell for every magic line: on student data it runs in the worker."""
    notebook = write_notebook(tmp_path / "hw6.ipynb", "\n".join(f"!echo {i}" for i in range(20_000)))
    started = time.process_time()
    prepared = prepare("hw6", notebook, tmp_path)
    assert time.process_time() - started < 5  # reading JSON and writing a module, nothing more
    assert "!echo 19999" in prepared.source.read_text()


def test_cells_run_in_order_with_ipython_syntax_and_report_what_failed():
    from autograder.sandbox.cells import run

    namespace: dict = {}
    cells = [("cell 1", "import numpy as np\nfiles = !ls\nt = %timeit -o np.zeros(3)\nnp.zeros?\n"
                        "def relu(x):\n    return np.maximum(x, 0)\n"),
             ("cell 2", "W = np.ones(3)\nmodel = relu(W)\nPARAMS_PLAIN = int(model.sum())\nboom = 1 / 0\nAFTER = 2\n"),
             ("cell 3", "%%capture\nCAPTURED = relu(-W).sum()")]
    import json
    import tempfile

    with tempfile.NamedTemporaryFile("w", suffix=".py") as fh:
        run(namespace, fh.name, json.dumps(cells))
        written = open(fh.name).read()
    assert namespace["PARAMS_PLAIN"] == 3 and namespace["AFTER"] == 2 and namespace["CAPTURED"] == 0
    assert [f["what"] for f in namespace["__notebook__"]] == [
        "cell 1: a shell command (!ls) is not run here", "cell 2, line 4: ZeroDivisionError: division by zero"]
    assert namespace["__notebook__"][1]["names"] == ["boom"]
    assert "# ---- cell 2" in written and "boom = 1 / 0" in written  # tracebacks show the cells' own lines


def test_a_notebook_of_many_statements_runs_up_to_a_cap():
    import json
    import tempfile

    from autograder.sandbox.cells import MAX_STATEMENTS, run

    namespace: dict = {}
    cells = [("cell 1", "def relu(x):\n    return x\n"), ("cell 2", "\n".join(f"x{i} = {i}" for i in range(6000)))]
    with tempfile.NamedTemporaryFile("w", suffix=".py") as fh:
        run(namespace, fh.name, json.dumps(cells))
    assert "relu" in namespace and f"x{MAX_STATEMENTS - 2}" in namespace and "x5999" not in namespace
    assert f"more than {MAX_STATEMENTS} statements" in namespace["__notebook__"][-1]["what"]
