"""Throughput of the TA batch: one lane against several, on a class's mix, measured so that it cannot flatter.

The class: every known mistake of the assignment (tests/submissions), the empty template, and copies of the
reference, each file made distinct by a comment so that every one draws its own inputs as a class's
submissions do (identical files would share their expected values), ``--copies`` files in all, in a
shuffled order. A warm-up batch, not timed, fixes each submission's grade, which must be full marks for
every copy of the reference, zero for the template and less than full for every mistake; every timed run
must then give every submission that same grade, graded by the grader, before its time counts (a batch
whose lanes died is not fast). Rounds of ``batch -j 1`` and ``batch -j N`` alternate in a shuffled order.
The fixed cost of a batch (lanes starting, reports) is measured apart, with a batch of one submission, and
the rates are per submission beyond it. Medians with their range, and beside them how many cores other
processes kept busy during the runs (machine_load.py).
"""
from __future__ import annotations

import argparse
import csv
import itertools
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from autograder.assignments import ASSIGNMENTS, reference_path  # noqa: E402 - after the path is set
from autograder.mutations import mutated_sources  # noqa: E402
from autograder.template import template_path  # noqa: E402
from machine_load import OtherLoad  # noqa: E402


def grades(out: Path) -> tuple[float, dict[str, tuple[str, str]]]:
    """The maximum and each submission's (total, status) from a batch's grades.csv."""
    with (out / "grades.csv").open(encoding="utf-8-sig") as fh:
        rows = list(csv.DictReader(fh))
    return float(rows[0]["total"]), {r["id"]: (r["total"], r["status"]) for r in rows[1:]}


def batch(assignment: str, folder: Path, jobs: int) -> tuple[float, Path]:
    """Wall time and output folder of one batch."""
    out = folder.with_name(f"out-{folder.name}-{jobs}")
    shutil.rmtree(out, ignore_errors=True)
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "autograder", "batch", assignment, str(folder), "-j", str(jobs),
                    "-o", str(out), "--no-progress"], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start, out


def expected_grades(assignment: str, folder: Path, kinds: dict[str, str], jobs: int) -> dict[str, tuple[str, str]]:
    """The warm-up batch's grades, once each kind of submission has scored as it must."""
    _, out = batch(assignment, folder, jobs)
    maximum, found = grades(out)
    wrong = [sid for sid, kind in kinds.items()
             if found.get(sid, ("", ""))[1] != "graded"
             or (kind == "reference") != (float(found[sid][0]) == maximum)
             or (kind == "template" and float(found[sid][0]) != 0)]
    if wrong or len(found) != len(kinds):
        raise SystemExit(f"the warm-up batch did not grade the class as it must: {wrong[:5]}")
    return found


def write_class(assignment: str, folder: Path, count: int) -> dict[str, str]:
    """``count`` distinct submissions (the mistakes, the template, copies of the reference); their kinds by id."""
    folder.mkdir()
    with tempfile.TemporaryDirectory() as tmp:
        sources = [(p.read_text(), "mistake") for p in mutated_sources(assignment, Path(tmp))]
    sources.append((template_path(assignment).read_text(), "template"))
    reference = reference_path(assignment).read_text()
    sources += [(reference, "reference")] * max(0, count - len(sources))
    random.Random(1).shuffle(sources)
    kinds = {}
    for i, (text, kind) in enumerate(itertools.islice(sources, count)):
        sid = f"student{i:03}_{assignment}"
        (folder / f"{sid}.py").write_text(f"{text}\n# submission {i}\n")
        kinds[sid] = kind
    return kinds


def spread(times: list[float], unit: str = " s") -> str:
    return f"{statistics.median(times):6.1f}{unit} [{min(times):.1f}-{max(times):.1f}]"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--assignment", default="hw6", choices=ASSIGNMENTS)
    parser.add_argument("--copies", type=int, default=100, help="submissions in the class")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("-j", "--jobs", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()
    times: dict[tuple[str, int], list[float]] = {}
    loads: list[float] = []
    with tempfile.TemporaryDirectory() as tmp:
        kinds = write_class(args.assignment, Path(tmp) / "class", args.copies)
        folders = {"class": Path(tmp) / "class", "one": Path(tmp) / "one"}
        folders["one"].mkdir()
        first = next(sid for sid, kind in kinds.items() if kind == "reference")
        shutil.copy(folders["class"] / f"{first}.py", folders["one"])
        expected = {"class": expected_grades(args.assignment, folders["class"], kinds, args.jobs),
                    "one": expected_grades(args.assignment, folders["one"], {first: "reference"}, 1)}
        runs = [(size, jobs) for size in folders for jobs in (1, args.jobs)]
        order = random.Random(0)
        for _ in range(args.rounds):
            order.shuffle(runs)
            for size, jobs in runs:
                with OtherLoad() as load:
                    elapsed, out = batch(args.assignment, folders[size], jobs)
                loads.append(load.cores)
                differ = [sid for sid, grade in grades(out)[1].items() if expected[size].get(sid) != grade]
                if differ:
                    raise SystemExit(f"batch -j {jobs} graded differently from the warm-up: {differ[:5]}")
                times.setdefault((size, jobs), []).append(elapsed)
    mix = ", ".join(f"{sum(k == kind for k in kinds.values())} {kind}" for kind in ("reference", "mistake", "template"))
    print(f"{args.copies} submissions of {args.assignment} ({mix}) on {os.cpu_count()} cores, "
          f"median of {args.rounds} rounds; other processes kept {spread(loads, '')} cores busy")
    rates = {}
    for jobs in (1, args.jobs):
        fixed = statistics.median(times["one", jobs])
        per = (statistics.median(times["class", jobs]) - fixed) / (args.copies - 1)
        rates[jobs] = 1 / per
        print(f"-j {jobs}: {spread(times['class', jobs])} in all; fixed cost {spread(times['one', jobs])}; "
              f"{rates[jobs]:.2f} submissions/s beyond it")
    print(f"speed-up beyond the fixed cost: {rates[args.jobs] / rates[1]:.2f}")


if __name__ == "__main__":
    main()
