"""Throughput of the TA batch: one lane against several, measured so that it cannot flatter.

Each submission is a copy of the reference that differs from the others by a comment, so that every one
draws its own inputs as a class's submissions do (identical files would share their expected values). Rounds
of ``batch -j 1`` and ``batch -j N`` alternate in a shuffled order; every run's grades.csv must give every
submission full marks before its time counts (a batch whose lanes died is not fast). The fixed cost of a
batch (lanes starting, reports) is measured apart, with a batch of one submission, and the rates are per
submission beyond it. Medians with their range, and the load average beside them.
"""
from __future__ import annotations

import argparse
import csv
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


def batch_seconds(assignment: str, folder: Path, jobs: int) -> float:
    """Wall time of one batch, whose every submission must score full marks."""
    out = folder.with_name(f"out-{folder.name}-{jobs}")
    shutil.rmtree(out, ignore_errors=True)
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "autograder", "batch", assignment, str(folder), "-j", str(jobs),
                    "-o", str(out), "--no-progress"], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    elapsed = time.perf_counter() - start
    with (out / "grades.csv").open(encoding="utf-8-sig") as fh:
        rows = list(csv.DictReader(fh))
    maximum, students = rows[0]["total"], rows[1:]
    wrong = [r["id"] for r in students if r["total"] != maximum or r["status"] != "graded"]
    if wrong or len(students) != len(list(folder.iterdir())):
        raise SystemExit(f"batch -j {jobs} did not grade every copy to full marks: {wrong[:5]}")
    return elapsed


def copies(assignment: str, folder: Path, count: int) -> Path:
    folder.mkdir()
    text = (ROOT / "reference" / f"{assignment}.py").read_text()
    for i in range(count):
        (folder / f"student{i:03}_{assignment}.py").write_text(f"{text}\n# submission {i}\n")
    return folder


def spread(times: list[float]) -> str:
    return f"{statistics.median(times):6.1f} s [{min(times):.1f}-{max(times):.1f}]"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--assignment", default="hw6")
    parser.add_argument("--copies", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("-j", "--jobs", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()
    times: dict[tuple[str, int], list[float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        folders = {"one": copies(args.assignment, Path(tmp) / "one", 1),
                   "all": copies(args.assignment, Path(tmp) / "all", args.copies)}
        runs = [(size, jobs) for size in folders for jobs in (1, args.jobs)]
        order = random.Random(0)
        for _ in range(args.rounds):
            order.shuffle(runs)
            for size, jobs in runs:
                times.setdefault((size, jobs), []).append(batch_seconds(args.assignment, folders[size], jobs))
    print(f"{args.copies} distinct copies of reference/{args.assignment}.py on {os.cpu_count()} cores, "
          f"{args.rounds} rounds (load average {os.getloadavg()[0]:.1f})")
    rates = {}
    for jobs in (1, args.jobs):
        fixed = statistics.median(times["one", jobs])
        per = (statistics.median(times["all", jobs]) - fixed) / (args.copies - 1)
        rates[jobs] = 1 / per
        print(f"-j {jobs}: {spread(times['all', jobs])} in all; fixed cost {spread(times['one', jobs])}; "
              f"{rates[jobs]:.2f} submissions/s beyond it")
    print(f"speed-up beyond the fixed cost: {rates[args.jobs] / rates[1]:.2f}")


if __name__ == "__main__":
    main()
