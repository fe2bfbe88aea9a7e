"""Wall time of grading hw6, against the cost of Python plus torch and against no isolation.

(a) python -c "import torch": the floor of any torch grader;
(b) grading the reference through the CLI, isolated as in production;
(c) the same checks with student code run in-process, unisolated: the speed floor.
Prints the median of each over --runs runs and the ratios b/a and b/c.
"""
from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


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
    parser.add_argument("--assignment", default="hw6")
    args = parser.parse_args()
    grade = [sys.executable, "-m", "autograder", "grade", args.assignment, f"reference/{args.assignment}.py"]
    a = median_seconds([sys.executable, "-c", "import torch"], args.runs)
    b = median_seconds(grade, args.runs)
    c = median_seconds(grade + ["--unsafe-in-process"], args.runs)
    print(f"median of {args.runs} runs, {args.assignment}")
    print(f"(a) python -c 'import torch'       {a:6.2f} s")
    print(f"(b) grade, isolated (CLI)          {b:6.2f} s")
    print(f"(c) grade, in-process (floor)      {c:6.2f} s")
    print(f"b/a = {b / a:.2f}   b/c = {c and b / c:.2f}")


if __name__ == "__main__":
    main()
