"""Wall time of grading hw6, against the cost of Python plus torch and against no isolation.

(a) python -c "import torch": the floor of any torch grader;
(b) grading the reference through the CLI, isolated as in production;
(c) the same checks with student code run in-process, unisolated: the speed floor.
Prints the median of each over --runs runs and the ratios b/a and b/c, for
every assignment.
"""
from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from autograder.assignments import ASSIGNMENTS  # noqa: E402 - after the path is set


def median_seconds(command: list[str], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--assignment", action="append", choices=ASSIGNMENTS,
                        help="repeatable; every assignment by default")
    args = parser.parse_args()
    a = median_seconds([sys.executable, "-c", "import torch"], args.runs)
    print(f"median of {args.runs} runs; (a) python -c 'import torch': {a:.2f} s")
    print(f"{'assignment':12} {'(b) isolated':>13} {'(c) in-process':>15} {'b/a':>6} {'b/c':>6}")
    for name in args.assignment or ASSIGNMENTS:
        grade = [sys.executable, "-m", "autograder", "grade", name, f"reference/{name}.py"]
        b = median_seconds(grade, args.runs)
        c = median_seconds(grade + ["--unsafe-in-process"], args.runs)
        print(f"{name:12} {b:11.2f} s {c:13.2f} s {b / a:6.2f} {b / c:6.2f}")


if __name__ == "__main__":
    main()
