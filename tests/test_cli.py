"""The documented command forms, run as a TA or a course's staff would run them."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile

from autograder.results import validate
from conftest import ROOT, cli


def test_grade_prints_the_table_and_writes_gradescope_json(tmp_path):
    out = tmp_path / "results.json"
    proc = cli("grade", "hw6", "examples/hw6.py", "--json", str(out))
    assert proc.returncode == 0, proc.stderr
    assert "Total: 36/48" in proc.stdout
    assert "use nn.ModuleList" in proc.stdout  # the likely cause is shown under the failed row
    document = json.loads(out.read_text())
    validate(document)
    assert document["score"] == 36


def test_grade_accepts_a_folder_holding_the_submission(tmp_path):
    (tmp_path / "hw6.py").write_text((ROOT / "student_template" / "hw6.py").read_text())
    proc = cli("grade", "hw6", str(tmp_path))
    assert proc.returncode == 0 and "Total: 0/48" in proc.stdout


def test_build_writes_the_zip(tmp_path):
    proc = cli("build", "hw6", "-o", str(tmp_path))
    assert proc.returncode == 0, proc.stderr
    names = zipfile.ZipFile(tmp_path / "hw6-autograder.zip").namelist()
    assert "setup.sh" in names and "run_autograder" in names


def test_list_shows_assignments_with_points():
    proc = cli("list")
    assert proc.returncode == 0 and "hw6" in proc.stdout and "48 points" in proc.stdout


def test_list_of_one_assignment_shows_each_check_with_points_and_visibility():
    proc = cli("list", "hw6")
    assert proc.returncode == 0
    assert "6.2     2  after_due_date  solve_lsqr with more features than samples" in proc.stdout.splitlines()
    assert proc.stdout.splitlines()[-1] == "23 checks, 48 points"


def test_terminal_output_escapes_what_student_code_raised(tmp_path):
    (tmp_path / "hw6.py").write_text("def relu(x):\n    raise ValueError('\\x1b[2J\\x1b]52;c;cHduZWQ=\\x07Total: 48/48')\n")
    proc = cli("grade", "hw6", str(tmp_path / "hw6.py"), "--details")
    assert "\x1b" not in proc.stdout and "\x07" not in proc.stdout
    assert "\\x1b[2J" in proc.stdout


def test_two_graders_at_once_each_get_their_own_exact_scores(tmp_path):
    hang = tmp_path / "hang" / "hw6.py"
    hang.parent.mkdir()
    # timeouts stop workers while the other grader runs: they must not touch each other's
    hang.write_text((ROOT / "reference" / "hw6.py").read_text() + "\n\ndef relu(x):\n    while True:\n        pass\n")
    env = {**os.environ, "AUTOGRADER_TIME_SCALE": "0.2"}
    runs = [subprocess.Popen([sys.executable, "-m", "autograder", "grade", "hw6", str(path)], cwd=ROOT, text=True,
                             stdout=subprocess.PIPE, env=env)
            for path in (hang, ROOT / "reference" / "hw6.py", ROOT / "examples" / "hw6.py")]
    totals = [next(line for line in run.communicate(timeout=300)[0].splitlines() if line.startswith("Total"))
              for run in runs]
    # the hang costs relu, and what calls it: random_features and double descent
    assert [t.split()[1] for t in totals] == ["40/48", "48/48", "36/48"]


def test_exit_statuses_and_standard_output_follow_the_documented_conventions(tmp_path):
    assert cli("--version").stdout.startswith("python -m autograder ")
    nothing = cli("grade", "hw6", str(tmp_path / "missing"))
    assert nothing.returncode == 4 and "does not exist" in nothing.stdout
    (tmp_path / "a_hw6.py").write_text("")
    (tmp_path / "a_hw6.ipynb").write_text("{}")
    clash = cli("batch", "hw6", str(tmp_path), "--no-progress")
    assert clash.returncode == 2 and "share the id 'a_hw6'" in clash.stderr and "Traceback" not in clash.stderr
    assert cli("batch", "hw6", str(tmp_path / "nowhere")).returncode == 2
    as_json = cli("grade", "hw6", "reference/hw6.py", "--json", "-")
    assert as_json.returncode == 0 and json.loads(as_json.stdout)["score"] == 48 and "Total: 48/48" in as_json.stderr


def test_the_table_fits_the_terminal_and_wraps_words():
    from autograder.grading import Graded, Result
    from autograder.report import table
    from autograder.spec import Check, failed

    check = Check("1.1", "a check", 1.0, "visible", (), False, lambda ctx: None)
    message = "word " * 40 + "\n  likely cause: " + "because " * 20
    text = table(Graded([Result(check, failed(message), 0.0)], [], "", 0.1), width=80)
    assert all(len(line) <= 80 for line in text.splitlines())
    assert all(not line.endswith("wor") for line in text.splitlines())


def test_a_row_shows_what_its_first_line_introduces():
    """\"differs from the reference:\" with nothing after it says nothing: the row shows the line it introduces."""
    from autograder.grading import Graded, Result
    from autograder.report import compact, table
    from autograder.spec import Check, failed

    check = Check("3.2", "a check", 1.0, "visible", (), False, lambda ctx: None)
    message = ("the returned losses differ from the reference:\nexpected shape (3,), got shape (12,)\n"
               "  likely cause: one loss per batch")
    graded = Graded([Result(check, failed(message), 0.0)], [], "", 0.1)
    for text in (table(graded, width=200), compact(graded)):
        assert "differ from the reference: expected shape (3,), got shape (12,)" in text
        assert text.count("likely cause: one loss per batch") == 1


def test_output_never_crashes_on_a_console_encoding(tmp_path):
    """Git Bash or redirected output on Windows: cp1252 cannot show every character a message may hold."""
    (tmp_path / "hw6.py").write_text('def relu(x):\n    raise ValueError("bad \\u2192 \\u221a")\n')
    out = subprocess.run([sys.executable, "-m", "autograder", "check", "hw6", str(tmp_path)], cwd=ROOT,
                         capture_output=True, env={**os.environ, "PYTHONIOENCODING": "cp1252", "COLUMNS": "200"},
                         timeout=120)
    assert out.returncode == 0, out.stderr
    assert b"relu raised ValueError: bad \\u2192 \\u221a" in out.stdout


def test_a_narrow_terminal_gets_a_narrow_table():
    out = subprocess.run([sys.executable, "-m", "autograder", "grade", "hw6", "examples/hw6.py"], cwd=ROOT,
                         capture_output=True, text=True, timeout=120, env={**os.environ, "COLUMNS": "60"}).stdout
    assert "Total: " in out
    assert max(len(line) for line in out.splitlines()) <= 60, out
