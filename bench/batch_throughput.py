"""Throughput of the TA batch: copies of the reference graded with one lane, then with several.

Prints the wall time and submissions per second of ``batch -j 1`` and
``batch -j N`` (N: all cores by default) and their ratio. The issue's
target on a 2-core machine: at least 1.9 times the single-lane throughput.
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def batch_seconds(assignment: str, folder: Path, jobs: int) -> float:
    out = folder.with_name(f"out-{jobs}")
    shutil.rmtree(out, ignore_errors=True)
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "autograder", "batch", assignment, str(folder), "-j", str(jobs),
                    "-o", str(out), "--no-progress"], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--assignment", default="hw6")
    parser.add_argument("--copies", type=int, default=100)
    parser.add_argument("-j", "--jobs", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "submissions"
        folder.mkdir()
        for i in range(args.copies):
            shutil.copyfile(ROOT / "reference" / f"{args.assignment}.py", folder / f"student{i:03}_{args.assignment}.py")
        one = batch_seconds(args.assignment, folder, 1)
        many = batch_seconds(args.assignment, folder, args.jobs)
    print(f"{args.copies} copies of reference/{args.assignment}.py on {os.cpu_count()} cores")
    print(f"-j 1: {one:7.1f} s  {args.copies / one:5.2f} submissions/s")
    print(f"-j {args.jobs}: {many:7.1f} s  {args.copies / many:5.2f} submissions/s")
    print(f"speed-up: {one / many:.2f}")


if __name__ == "__main__":
    main()
