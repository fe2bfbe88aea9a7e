"""The student bundle: no reference solution and no hidden check in it, and its checks work without them."""
from __future__ import annotations

import ast
import functools
import os
import re
import shutil
import subprocess
import sys
import textwrap
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest

from autograder.assignments import ASSIGNMENTS
from autograder.template import ANSWER, BEGIN, END
from conftest import ROOT, built_once, clean_python

# the module's fixture is expensive: with pytest-xdist, its tests share one worker (where xdist_group works)
pytestmark = pytest.mark.xdist_group("bundles")


@pytest.fixture(scope="session")
def bundles(tmp_path_factory) -> dict[str, Path]:
    """Every assignment's bundle, built and unpacked as a student would, once for the run."""
    def build_one(folder: Path, name: str) -> None:
        subprocess.run([sys.executable, "-m", "autograder", "bundle", name, "-o", str(folder)], cwd=ROOT,
                       check=True, stdout=subprocess.DEVNULL)
        with zipfile.ZipFile(folder / f"{name}-student.zip") as zf:
            zf.extractall(folder / f"{name}-student")

    def build(folder: Path) -> None:  # two at a time: the other test process may be waiting for them
        with ThreadPoolExecutor(2) as pool:
            list(pool.map(functools.partial(build_one, folder), ASSIGNMENTS))

    built = built_once(tmp_path_factory, "bundles", build)
    return {name: built / f"{name}-student" for name in ASSIGNMENTS}


def _solution_lines(name: str) -> list[str]:
    """The distinctive lines the template strips from the reference (short ones like `return x` are not)."""
    lines, inside = [], False
    for line in (ROOT / "reference" / f"{name}.py").read_text().splitlines():
        if BEGIN.match(line) or END.match(line):
            inside = bool(BEGIN.match(line))
        elif (inside or ANSWER.match(line)) and len(line.strip()) >= 30 and not line.strip().startswith("#"):
            lines.append(line.strip())
    return lines


def _texts(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): p.read_text(errors="replace") for p in folder.rglob("*")
            if p.is_file() and p.suffix != ".npz"}


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_the_bundle_holds_no_solution_and_no_hidden_check(bundles, name):
    from autograder.assignments import load

    folder = bundles[name]
    assert not (folder / "reference").exists()
    texts = _texts(folder)
    solutions = _solution_lines(name)
    assert solutions, "the reference has no solution lines to look for"
    leaks = [(line, path) for line in solutions for path, text in texts.items() if line in text]
    assert not leaks
    harness = {p: t for p, t in texts.items() if p.startswith("autograder")}
    hidden = [c for c in load(name).checks if c.visibility != "visible"]
    for c in hidden:
        for needle in (f"def {c.run.__name__}(", f"@check('{c.number}'", f'@check("{c.number}"', c.title):
            assert not [p for p, t in harness.items() if needle in t], (c.name, needle)
    for fixtures in folder.glob("autograder/fixtures/*.npz"):
        np.load(fixtures, allow_pickle=False)  # raises on any object array


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_check_from_the_bundle_passes_the_reference_and_fails_the_template(bundles, name, tmp_path):
    from autograder.assignments import load

    folder = bundles[name]
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    assignment = load(name)
    count, points = assignment.hidden()
    visible_points = assignment.total - points
    shutil.copyfile(ROOT / "reference" / f"{name}.py", tmp_path / f"{name}.py")
    for path, total in ((tmp_path, visible_points), (Path("."), 0)):
        # as a student runs it: an interpreter with the requirements installed, and no grader but the bundle's
        out = subprocess.run([clean_python(), "-m", "autograder", "check", name, str(path)], cwd=folder, env=env,
                             capture_output=True, text=True).stdout
        assert re.search(rf"^Total: {total:g}/{visible_points:g}\b", out, re.M), out
        assert "grader error" not in out and "not checked here" not in out
        if count:
            assert f"{count} more check{'s' if count > 1 else ''} worth {points:g} of {assignment.total:g}" in out
        else:
            assert "Every check of this assignment ran here." in out


def test_check_from_the_bundle_runs_where_the_linux_sandbox_cannot(bundles, non_linux, tmp_path):
    from conftest import started_in

    shutil.copyfile(ROOT / "reference" / "hw6.py", tmp_path / "hw6.py")
    out = subprocess.run([sys.executable, "-m", "autograder", "check", "hw6", str(tmp_path)], cwd=bundles["hw6"],
                         env=non_linux, capture_output=True, text=True, check=True).stdout
    assert re.search(r"^Total: 37/37\b", out, re.M), out
    assert len(started_in(non_linux)) >= 2


def test_the_bundle_readme_installs_the_graders_cpu_torch_in_one_line(bundles):
    readme = (bundles["hw6"] / "README.md").read_text()
    install = [line for line in readme.splitlines() if line.strip().startswith("pip install")]
    assert len(install) == 1
    assert "--extra-index-url https://download.pytorch.org/whl/cpu" in install[0] and '"torch==2.13.0+cpu"' in install[0]
    assert '"sympy' in install[0] and '"nbformat' in install[0] and "Supported: Linux (WSL included), macOS and Windows" in readme
    assert "`DROPOUT_COMMUTES`, `OUTPUT_MEAN`, `PARAMS_PLAIN`, `PARAMS_STM`" in readme  # the answers to set


def _verdicts(python: str, folder: Path, name: str, source: Path, tmp_path: Path) -> list[str]:
    """What the bundle's check gives ``source``, check by check, under ``python``."""
    target = tmp_path / "submission"
    target.mkdir(exist_ok=True)
    shutil.copyfile(source, target / f"{name}.py")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    out = subprocess.run([python, "-m", "autograder", "check", name, str(target), "--compact"], cwd=folder, env=env,
                         capture_output=True, text=True, timeout=300).stdout
    return re.findall(r"^(?:ok |XX )\s+(\S+) .*? (\S+/\S+)$", out, re.M)


@pytest.mark.skipif(not os.environ.get("AUTOGRADER_OTHER_TORCH"),
                    reason="AUTOGRADER_OTHER_TORCH names a Python with another torch (README: Torch versions)")
@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_another_torch_gives_every_verdict_the_graders_torch_gives(bundles, name, tmp_path):
    """The reference and every known mistake, checked from the bundle under the grader's torch and under
    another (TESTED_TORCH's other end): the same points, check by check."""
    from autograder.mutations import mutated_sources

    for source in [ROOT / "reference" / f"{name}.py"] + mutated_sources(name, tmp_path / "mutated"):
        ours = _verdicts(clean_python(), bundles[name], name, source, tmp_path)
        assert ours and _verdicts(os.environ["AUTOGRADER_OTHER_TORCH"], bundles[name], name, source, tmp_path) \
            == ours, source.name


def test_a_torch_outside_the_tested_range_is_told_and_ours_is_inside_it():
    import torch

    from autograder.environment import TESTED_TORCH, untested_torch
    assert untested_torch(torch.__version__) is None, f"the suite's torch is not in TESTED_TORCH {TESTED_TORCH}"
    assert untested_torch(TESTED_TORCH[1]) is None
    assert "outside the versions these checks were tested with" in untested_torch("2.2.2")  # Intel Macs' last


def _student_command(folder: Path, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    return subprocess.run([clean_python(), "-m", "autograder", *args], cwd=folder, env=env, capture_output=True,
                          text=True, timeout=120)


def test_the_bundle_offers_the_students_commands_only(bundles):
    folder = bundles["hw6"]
    usage = _student_command(folder, "--help").stdout
    assert "{check,list}" in usage
    for staff in ("grade", "batch", "build", "bundle", "template", "precompute", "gradescope"):
        refused = _student_command(folder, staff, "hw6", ".")
        assert refused.returncode == 2 and "invalid choice" in refused.stderr, staff
    listing = _student_command(folder, "list", "hw6").stdout
    assert "16 checks, 37 points" in listing and "7 more checks worth 11 of 48 points" in listing
    assert _student_command(folder, "list").stdout.split() == ["hw6", "23", "checks", "48", "points"]
    other = _student_command(folder, "check", "hw3")
    assert other.returncode == 2 and "here: hw6" in other.stderr


def test_check_takes_the_assignment_as_a_student_writes_it(bundles, tmp_path):
    shutil.copyfile(ROOT / "student_template" / "hw6.py", tmp_path / "hw6.py")
    for written in ("HW6", "hw6 (1)", "hw6.ipynb"):
        out = _student_command(bundles["hw6"], "check", written, str(tmp_path))
        assert out.returncode == 0 and re.search(r"^Total: 0/37\b", out.stdout, re.M), (written, out.stderr)


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_the_bundle_readme_installs_every_library_the_bundle_imports(bundles, name):
    from importlib.metadata import packages_distributions

    folder = bundles[name]
    install = next(line for line in (folder / "README.md").read_text().splitlines()
                   if line.strip().startswith("pip install")).lower().replace("_", "-")
    distributions = packages_distributions()
    imported = set()
    for path in folder.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                imported |= {a.name.split(".")[0] for a in node.names}
            elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
                imported.add(node.module.split(".")[0])
    third_party = imported - set(sys.stdlib_module_names) - {"autograder", "__future__"}
    assert {"torch", "numpy"} <= third_party
    for module in third_party:
        assert any(f'"{d.lower().replace("_", "-")}' in install for d in distributions[module]), module


def test_check_in_a_jupyter_kernel_grades_the_saved_notebook(bundles, tmp_path):
    """A real kernel of the student's interpreter, started by nbclient as Jupyter starts it."""
    import nbformat

    folder = tmp_path / "hw6-student"
    shutil.copytree(bundles["hw6"], folder)
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell((ROOT / "reference" / "hw6.py").read_text()),
                                               nbformat.v4.new_code_cell("data = np.load('data.npz')"),
                                               nbformat.v4.new_code_cell("from autograder import check\ncheck('HW6')")])
    nbformat.write(notebook, folder / "hw6.ipynb")
    run = subprocess.run([clean_python(), "-c", textwrap.dedent("""\
        import sys, nbformat, nbclient
        notebook = nbformat.read("hw6.ipynb", as_version=4)
        nbclient.NotebookClient(notebook, timeout=300, kernel_name="python3", allow_errors=True).execute()
        print("".join(o.get("text", "") for o in notebook.cells[2].outputs))""")],
                         cwd=folder, capture_output=True, text=True, timeout=400)
    assert run.returncode == 0, run.stderr
    assert re.search(r"^37/37 on these checks", run.stdout, re.M), run.stdout
    assert "7 more checks worth 11 of 48 points" in run.stdout
    assert "note: notebook: run top to bottom" in run.stdout  # what the command line tells, check() tells too


def _arity(node: ast.FunctionDef) -> int:
    return len(node.args.posonlyargs) + len(node.args.args)


def _asked(name: str) -> dict[str, int]:
    """The functions the template asks students for, with their number of positional parameters."""
    tree = ast.parse((ROOT / "student_template" / f"{name}.py").read_text())
    return {n.name: _arity(n) for n in tree.body if isinstance(n, ast.FunctionDef)
            and any(isinstance(s, ast.Raise) for s in ast.walk(n))}


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_no_function_the_bundle_ships_answers_a_question(bundles, name, grade_submission, tmp_path):
    """Every function of the bundle's checks module, renamed to every function asked for (same arity), with the
    module's other functions and constants beside it: none earns a point the template does not."""
    stripped = (bundles[name] / "autograder" / "assignments" / f"{name}.py").read_text()
    tree = ast.parse(stripped)
    kept = [n for n in tree.body if isinstance(n, (ast.FunctionDef, ast.Assign))
            and not any("check" in ast.unparse(d) for d in getattr(n, "decorator_list", []))]
    for node in ast.walk(tree):  # decorators and annotations name the harness's, which a submission does not have
        if isinstance(node, ast.FunctionDef):
            node.returns, node.decorator_list = None, []
        elif isinstance(node, ast.arg):
            node.annotation = None
    # a constant that needs the harness is left out as it fails, as a student copying the module would see
    helpers = "\n\n".join(ast.unparse(n) if isinstance(n, ast.FunctionDef)
                           else f"try:\n    {ast.unparse(n)}\nexcept Exception:\n    pass" for n in kept)
    header = "import numpy as np\nimport torch\nfrom torch import nn\nfrom torch.nn import functional as F\n"
    template = (ROOT / "student_template" / f"{name}.py").read_text()
    baseline = grade_submission(name, ROOT / "student_template" / f"{name}.py")["graded"].score
    tried = 0
    for candidate in [n for n in kept if isinstance(n, ast.FunctionDef)]:
        for target, arity in _asked(name).items():
            if _arity(candidate) != arity:
                continue
            path = tmp_path / f"{candidate.name}-{target}" / f"{name}.py"
            path.parent.mkdir()
            path.write_text(f"{template}\n\n{header}\n{helpers}\n\n{target} = {candidate.name}\n")
            graded = grade_submission(name, path)["graded"]
            assert not {r.outcome.diagnosis for r in graded.results} & {"import_failed", "no_submission"}, \
                (candidate.name, graded.results[0].outcome.message)  # else this tests nothing
            assert graded.score <= baseline, (candidate.name, target, [r.check.name for r in graded.results
                                                                      if r.passed])
            tried += 1
    assert tried or not _asked(name)
