"""TA batch grading: both folder layouts, the reports, and regrading only what failed."""
from __future__ import annotations

import csv
import json
import os
import shutil
from pathlib import Path

import nbformat
import pytest

from autograder.batch import BatchSubmission, find_submissions, run_batch
from autograder.cli import main
from autograder.results import failure_document, validate
from conftest import ROOT, built_once

# the module's fixture is expensive: with pytest-xdist, its tests share one worker (where xdist_group works)
pytestmark = pytest.mark.xdist_group("flat_batch")


def _rows(out: Path) -> dict[str, dict]:
    with (out / "grades.csv").open(encoding="utf-8-sig") as fh:
        return {row["id"]: row for row in csv.DictReader(fh) if row["id"] != "max points"}


@pytest.fixture(scope="module", autouse=True)
def short_time_limits():
    """The lanes inherit it: dave's hang costs 3 s instead of 10."""
    before = os.environ.get("AUTOGRADER_TIME_SCALE")
    os.environ["AUTOGRADER_TIME_SCALE"] = "0.3"
    yield
    if before is None:
        del os.environ["AUTOGRADER_TIME_SCALE"]
    else:
        os.environ["AUTOGRADER_TIME_SCALE"] = before


@pytest.fixture(scope="module")
def flat_batch(tmp_path_factory, short_time_limits):
    """A flat folder: the reference, the example with three mistakes as a notebook, a crash and a hang."""
    def build(root: Path) -> None:
        folder = root / "hw6-submissions"
        folder.mkdir()
        shutil.copyfile(ROOT / "reference/hw6.py", folder / "alice_hw6.py")
        nbformat.write(nbformat.v4.new_notebook(cells=[
            nbformat.v4.new_code_cell((ROOT / "examples/hw6.py").read_text()),
            nbformat.v4.new_code_cell("for epoch in range(1000):\n    STMConvLayer()(torch.randn(8, 256, 4, 4))")]),
            folder / "bob_hw6.ipynb")
        (folder / "carol_hw6.py").write_text("import os\nos._exit(3)\n")
        (folder / "dave_hw6.py").write_text((ROOT / "reference/hw6.py").read_text().replace(
            "def output_variance(", "def output_variance(widths):\n    while True:\n        pass\n\n\ndef _unused(", 1))
        _, interrupted = run_batch("hw6", folder, root / "graded", jobs=2, progress=False)
        assert not interrupted

    root = built_once(tmp_path_factory, "flat-batch", build)
    return root / "hw6-submissions", root / "graded", root / "graded" / "summary.md"


def test_every_submission_gets_a_valid_result_and_a_row(flat_batch):
    folder, out, _ = flat_batch
    rows = _rows(out)
    assert sorted(rows) == ["alice_hw6", "bob_hw6", "carol_hw6", "dave_hw6"]
    for name in rows:
        validate(json.loads((out / "results" / f"{name}.json").read_text()))
    assert rows["alice_hw6"]["total"] == "48" and rows["alice_hw6"]["status"] == "graded"
    assert rows["bob_hw6"]["total"] == "36"
    assert rows["bob_hw6"]["2.3 output_variance for 2 to 6 layers of random widths"] == "0"
    assert rows["carol_hw6"]["total"] == "0"
    # the hang costs dave the checks of output_variance only: a graded result, noted as a timeout
    assert rows["dave_hw6"]["status"] == "graded (a timeout)"
    assert rows["dave_hw6"]["2.2 output_variance for a single layer"] == "0"
    assert rows["dave_hw6"]["total"] == "44"
    assert rows["dave_hw6"]["6.1 solve_lsqr with more samples than features"] == "3"


def test_summary_shows_pass_rates_and_the_diagnoses(flat_batch):
    _, out, summary = flat_batch
    text = summary.read_text()
    assert "| 2.3 output_variance for 2 to 6 layers of random widths | 3 | 25% |" in text
    assert ("| 1 | 5.1 STMConvLayer registers the parameters of its 96 convolutions | python\\_list | 0 parameters "
            "registered") in text
    assert "dave_hw6 (" not in text  # his own code's timeout is graded, not listed to regrade
    assert "- carol\\_hw6: the process running importing hw6.py died: exit status 3" in text
    assert (out / "totals.png").read_bytes().startswith(b"\x89PNG")


def test_only_failed_regrades_just_the_grader_errors_and_missing(flat_batch, tmp_path):
    folder, graded, _ = flat_batch
    out = tmp_path / "out"
    shutil.copytree(graded, out)
    (out / "results" / "alice_hw6.json").write_text(json.dumps(failure_document("grader error (reference x)")))
    (out / "results" / "bob_hw6.json").unlink()
    kept = {n: (out / "results" / f"{n}.json").stat().st_mtime_ns for n in ("carol_hw6", "dave_hw6")}
    main(["batch", "hw6", str(folder), "-o", str(out), "--only-failed", "--no-progress", "-j", "1"])
    rows = _rows(out)
    assert rows["alice_hw6"]["total"] == "48" and rows["bob_hw6"]["total"] == "36"
    # neither carol's crash nor dave's own timeout is the grader's failure: both stand as graded
    assert {n: (out / "results" / f"{n}.json").stat().st_mtime_ns for n in kept} == kept
    main(["batch", "hw6", str(folder), "-o", str(out), "--only", "carol_hw6", "--no-progress", "-j", "1"])
    assert (out / "results" / "carol_hw6.json").stat().st_mtime_ns != kept["carol_hw6"]
    assert (out / "results" / "dave_hw6.json").stat().st_mtime_ns == kept["dave_hw6"]
    assert len(_rows(out)) == 4


def test_gradescope_export_takes_names_and_emails_from_its_metadata(tmp_path):
    export = tmp_path / "assignment_123_export"
    for sid in ("submission_1", "submission_2", "submission_3"):
        (export / sid).mkdir(parents=True)
        (export / sid / "hw6.py").write_text("")
    (export / "submission_metadata.yml").write_text(
        "submission_1:\n  :submitters:\n  - :name: Ada Lovelace\n    :email: ada@example.edu\n    :sid: '1'\n"
        "  :created_at: 2026-11-01 10:00:00\n"
        "submission_2:\n  :submitters:\n  - :name: Alan Turing\n    :email: alan@example.edu\n"
        "  - :name: Kurt Goedel\n    :email: kurt@example.edu\n")
    (export / "submission_3" / "submission_metadata.yml").write_text(
        ":submitters:\n- :name: Emmy Noether\n  :email: emmy@example.edu\n")
    found = {s.id: s for s in find_submissions(export)}
    assert found["submission_1"].name == "Ada Lovelace" and found["submission_1"].email == "ada@example.edu"
    assert found["submission_1"].students[0].sid == "1" and found["submission_1"].submitted == "2026-11-01 10:00:00"
    assert found["submission_2"].name == "Alan Turing; Kurt Goedel"
    assert found["submission_3"].email == "emmy@example.edu"
    assert found["submission_1"].path == export / "submission_1"


def test_a_flat_folder_refuses_two_files_for_one_student(tmp_path):
    (tmp_path / "alice_hw6.py").write_text("")
    (tmp_path / "alice_hw6.ipynb").write_text("{}")
    with pytest.raises(ValueError, match="alice_hw6"):
        find_submissions(tmp_path)


@pytest.mark.parametrize("lane_script, seconds, diagnosis, message", [
    ("read job; exit 3", 900.0, "grader_error", "the grader stopped while grading this submission"),
    ("read job && sleep 60", 0.5, "grader_timeout", "grading did not finish within"),
])
def test_a_lane_that_dies_or_sticks_costs_its_submission_only(monkeypatch, tmp_path, lane_script, seconds,
                                                              diagnosis, message):
    import sys

    from autograder.batch import lanes
    from autograder.batch.inputs import BatchSubmission
    from autograder.results import diagnoses

    fake = tmp_path / "python"  # stands for the interpreter the lanes run on
    fake.write_text(f"#!/bin/sh\n{lane_script}\n")
    fake.chmod(0o755)
    monkeypatch.setattr(sys, "executable", str(fake))
    monkeypatch.setattr(lanes, "SUBMISSION_SECONDS", seconds)
    results = tmp_path / "results"
    results.mkdir()
    jobs = [BatchSubmission(name, tmp_path / f"{name}.py") for name in ("ann", "ben", "cy")]
    finished = []
    with (tmp_path / "batch.log").open("w") as log:
        lanes.grade_all("hw6", tmp_path, jobs, results, 1, log, finished.append)
    assert finished == jobs  # each lane was replaced, and every submission got its turn
    for job in jobs:
        document = json.loads((results / f"{job.id}.json").read_text())
        validate(document)
        assert document["score"] == 0 and message in document["tests"][0]["output"]
        assert diagnoses(document) == [diagnosis]


def test_ctrl_c_stops_every_worker_and_still_writes_the_reports(tmp_path):
    import signal
    import subprocess
    import sys
    import time

    from conftest import orphaned_student_processes

    folder = tmp_path / "hw6-submissions"
    folder.mkdir()
    shutil.copyfile(ROOT / "reference/hw6.py", folder / "aaa_hw6.py")
    for name in ("bbb", "ccc", "ddd"):  # each spins in every function it defines
        (folder / f"{name}_hw6.py").write_text("def output_variance(widths):\n    while True:\n        pass\n")
    out = tmp_path / "out"
    temporary = tmp_path / "tmp"  # where the lanes' private folders go: a killed lane cannot remove its own
    temporary.mkdir()
    # as from a terminal, where Ctrl-C reaches the foreground command: a suite started in the background (as a
    # CI runner may start it) has SIGINT ignored, which every process it starts would inherit
    batch = subprocess.Popen([sys.executable, "-m", "autograder", "batch", "hw6", str(folder), "-o", str(out), "-j",
                              "1", "--no-progress"], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True, preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
                             env=dict(os.environ, TMPDIR=str(temporary)))
    deadline = time.monotonic() + 120
    while not (out / "results" / "aaa_hw6.json").exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    time.sleep(1.0)  # the lane is now inside bbb's hang
    batch.send_signal(signal.SIGINT)
    stdout, stderr = batch.communicate(timeout=60)
    assert batch.returncode == 130, stderr
    assert "--only-failed" in stderr and "Traceback" not in stderr
    rows = _rows(out)
    assert rows["aaa_hw6"]["total"] == "48" and rows["ddd_hw6"]["status"] == "missing"
    time.sleep(0.5)
    spinning = orphaned_student_processes()
    lanes = subprocess.run(["pgrep", "-f", f"autograder.batch.lane hw6 {out}"], capture_output=True,
                           text=True).stdout.split()
    assert spinning == [] and lanes == []
    assert list(temporary.iterdir()) == []  # no student's code left behind


def test_grades_csv_goes_into_a_gradebook_as_it_is(tmp_path):
    from autograder.batch.inputs import Student
    from autograder.batch.report import Column, Layout, Row, write_canvas, write_grades

    layout = Layout("hw6", [Column("1.1", "1.1 a check", 2.0), Column("1.2", "1.2 another", 3.0)])
    document = {"score": 4, "tests": [{"number": "1.1", "score": 2, "max_score": 2},
                                      {"number": "1.2", "score": 2, "max_score": 3}]}
    group = BatchSubmission("submission_7", tmp_path, (Student("=HYPERLINK(\"http://x\")", "a@x.edu", "17"),
                                                       Student("Zoë Ñúñez", "z@x.edu", "18")), "2026-11-02 09:00", "")
    rows = [Row(group, document), Row(BatchSubmission("peggy (1)", tmp_path), None)]
    write_grades(layout, rows, tmp_path / "grades.csv")
    data = (tmp_path / "grades.csv").read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")  # Excel reads UTF-8 only with its byte-order mark
    table = list(csv.reader(data.decode("utf-8-sig").splitlines()))
    assert table[0][:8] == ["id", "name", "email", "sid", "submitted", "late", "status", "total"]
    assert table[1][0] == "max points" and table[1][7:] == ["5", "2", "3"]
    assert [r[3] for r in table[2:4]] == ["17", "18"] and table[2][8:] == table[3][8:] == ["2", "2"]
    assert table[2][1].startswith("'=") and table[3][1] == "Zoë Ñúñez" and table[4][0] == "peggy (1)"
    write_canvas(layout, rows, tmp_path / "canvas.csv")
    canvas = list(csv.reader((tmp_path / "canvas.csv").read_text(encoding="utf-8-sig").splitlines()))
    assert canvas[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "hw6"]
    assert canvas[1][0] == "Points Possible" and canvas[1][5] == "5" and canvas[2][2:4] == ["17", "a@x.edu"]


def test_statuses_tell_nothing_submitted_and_does_not_import_from_a_zero(flat_batch, tmp_path):
    from autograder.batch.report import Row

    _, out, _ = flat_batch
    assert _rows(out)["carol_hw6"]["status"] == "does not import"
    nothing = failure_document("x")
    nothing["tests"][0]["extra_data"] = {"diagnosis": "no_submission"}
    assert Row(BatchSubmission("x", tmp_path), nothing).status == "nothing submitted"


def test_the_terminal_summary_has_no_markdown_escapes(flat_batch):
    from autograder.safe_text import markdown_for_terminal

    _, _, summary = flat_batch
    shown = markdown_for_terminal(summary.read_text())
    assert "- carol_hw6: the process running importing hw6.py died: exit status 3 (sys.exit or os._exit" in shown


def _export(tmp_path: Path, metadata: str) -> Path:
    export = tmp_path / "export"
    for sub in ("submission_1", "submission_2"):
        (export / sub).mkdir(parents=True)
        (export / sub / "hw6.py").write_text("")
    (export / "submission_metadata.yml").write_text(metadata)
    return export


EXPORT_METADATA = (
    "submission_1:\n  :submitters:\n  - :name: Ada Lovelace\n    :email: ada@example.edu\n    :sid: '00417'\n"
    "  :created_at: !ruby/object:ActiveSupport::TimeWithZone 2026-11-21 01:14:05.5 -0800\n"
    "submission_2:\n  :submitters:\n  - :name: Alan Turing\n    :email: alan@example.edu\n    :sid: '12'\n"
    "  :created_at: 2026-11-20 20:00:00 -0800\n")


def test_an_export_with_tags_is_read_and_lateness_comes_from_the_due_time(tmp_path):
    from autograder.batch.inputs import lateness, parse_time

    found = {s.id: s for s in find_submissions(_export(tmp_path, EXPORT_METADATA))}
    assert found["submission_1"].submitted == "2026-11-21 01:14:05.5 -0800"
    due = parse_time("2026-11-20 23:59 -0800")
    assert lateness(found["submission_1"].submitted, due) == "1 h 15 min late"
    assert lateness(found["submission_2"].submitted, due) == ""


def test_a_broken_metadata_file_is_a_usage_error_with_its_line(tmp_path, capsys):
    export = _export(tmp_path, "submission_1:\n  :submitters:\n  - :name: [Ada\n")
    assert main(["batch", "hw6", str(export), "--no-progress"]) == 2
    error = capsys.readouterr().err
    assert "submission_metadata.yml, line" in error and "Traceback" not in error


@pytest.mark.parametrize("jobs", ["0", "-3", "two"])
def test_a_lane_count_below_one_is_refused(tmp_path, jobs, capsys):
    with pytest.raises(SystemExit) as stop:
        main(["batch", "hw6", str(tmp_path), "-j", jobs])
    assert stop.value.code == 2 and "at least 1" in capsys.readouterr().err


def test_only_takes_a_sid_an_email_or_a_name_and_the_sheet_keeps_leading_zeros(tmp_path):
    export = _export(tmp_path, EXPORT_METADATA)
    out = tmp_path / "graded"
    run_batch("hw6", export, out, only=["00417"], progress=False, due=None)
    assert (out / "results" / "submission_1.json").exists() and not (out / "results" / "submission_2.json").exists()
    run_batch("hw6", export, out, only=["ALAN@example.edu"], progress=False, canvas=True,
              canvas_column="Homework 6 (4242)")
    rows = list(csv.reader((out / "grades.csv").read_text(encoding="utf-8-sig").splitlines()))
    assert rows[2][3] == '="00417"' and rows[3][3] == "12"  # a spreadsheet shows 00417, not 417
    canvas = list(csv.reader((out / "canvas.csv").read_text(encoding="utf-8-sig").splitlines()))
    assert canvas[0][5] == "Homework 6 (4242)"  # Canvas's own header: the import updates that assignment
    with pytest.raises(Exception, match="no submission has the id, SID, e-mail or name Grace"):
        run_batch("hw6", export, out, only=["Grace"], progress=False)
