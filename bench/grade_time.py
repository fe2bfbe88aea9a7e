"""Wall time and memory of grading each assignment's reference, against Python plus torch and against no isolation.

(a) python -c "import torch": the floor of any torch grader;
(b) grading the reference through the CLI, isolated as in production, computing every expected value;
(p) the same with the expected values precomputed for the seed, as the Gradescope zip ships them;
(c) the checks of (p) with student code run in-process, unisolated: the speed floor;
(k) (b) as a checkout's ``grade`` runs it after its first run: its costly expected values cached;
(m) the peak memory of the whole Gradescope-path process tree (run_autograder and every process under
    it), counting shared pages once: the sum of the processes' PSS, sampled every 10 ms.

Runs are interleaved, in a shuffled order each round after one warm-up round that is not counted, so that a
drift of the machine's speed affects them alike; every graded run must score full marks before its time
counts (a grader that failed fast is not fast). The medians are printed with their range and the ratios b/a,
p/a, p/c and k/a. ``--busy N`` repeats the timings while N other processes spin (1 by default), as on a
laptop that is doing something else; beside each table, how many cores other processes kept busy while it
was measured (machine_load.py).
"""
from __future__ import annotations

import argparse
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from autograder.assignments import ASSIGNMENTS  # noqa: E402 - after the path is set
from machine_load import OtherLoad  # noqa: E402


def seconds(command: list[str], env: dict[str, str] | None = None) -> float:
    """Wall time of ``command``; a grading command must have scored full marks."""
    start = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, check=True, stdout=subprocess.PIPE, text=True, env=env)
    elapsed = time.perf_counter() - start
    if "grade" in command:
        total = re.search(r"^Total: ([\d.]+)/([\d.]+)", done.stdout, re.M)
        if total is None or total.group(1) != total.group(2):
            raise SystemExit(f"{' '.join(command)} did not score full marks:\n{done.stdout[-2000:]}")
    return elapsed


def _tree_pss_kib(top: int) -> int:
    """Sum of PSS over ``top`` and all its descendants."""
    parents = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                parents[int(entry)] = int(Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
    tree, frontier = {top}, [top]
    while frontier:
        frontier = [pid for pid, parent in parents.items() if parent in frontier and pid not in tree]
        tree.update(frontier)
    total = 0
    for pid in tree:
        try:
            for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return total


def gradescope_peak_mib(assignment: str, zip_path: Path) -> float:
    """Grade the reference as Gradescope does, sampling the process tree's memory."""
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "submission").mkdir()
        with zipfile.ZipFile(zip_path) as zf:
            zf.extractall(root / "source")
            for info in zf.infolist():
                os.chmod(root / "source" / info.filename, info.external_attr >> 16 & 0o777)
        shutil.copyfile(ROOT / "reference" / f"{assignment}.py", root / "submission" / f"{assignment}.py")
        env = {**os.environ, "AUTOGRADER_ROOT": str(root), "AUTOGRADER_PYTHON": sys.executable}
        proc = subprocess.Popen([str(root / "source" / "run_autograder")], env=env, stdout=subprocess.DEVNULL)
        peak = 0
        while proc.poll() is None:
            peak = max(peak, _tree_pss_kib(proc.pid))
            time.sleep(0.01)
    return peak / 1024


def timings(runs: int, names: list[str], precomputed: Path) -> tuple[list[float], dict[str, list[list[float]]]]:
    """The times of (a), and of (b), (p) and (c) per assignment: interleaved, shuffled, after a warm-up."""
    a: list[float] = []
    times: dict[str, list[list[float]]] = {n: [[], [], [], []] for n in names}
    computed = {**os.environ, "AUTOGRADER_CACHE": "0"}
    stored = {**computed, "AUTOGRADER_PRECOMPUTED": str(precomputed)}
    jobs = [("a", None, [sys.executable, "-c", "import torch"], None)]
    for name in names:
        grade = [sys.executable, "-m", "autograder", "grade", name, f"reference/{name}.py", "--seed", "0"]
        jobs += [(name, 0, grade, computed), (name, 1, grade, stored),
                 (name, 2, grade + ["--unsafe-in-process"], stored), (name, 3, grade, None)]
    order = random.Random(0)
    for round_ in range(runs + 1):
        order.shuffle(jobs)
        for name, column, command, env in jobs:
            elapsed = seconds(command, env)
            if round_ == 0:
                continue  # the warm-up round fills the file cache: not counted
            (a if column is None else times[name][column]).append(elapsed)
    return a, times


def spinners(count: int) -> list[subprocess.Popen]:
    """``count`` busy processes."""
    return [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(count)]


def print_timings(label: str, load: OtherLoad, a_times: list[float], times: dict[str, list[list[float]]]) -> None:
    a = statistics.median(a_times)
    print(f"\n{label} (other processes kept {load.cores:.1f} cores busy): (a) python -c 'import torch': {a:.2f} s "
          f"[{min(a_times):.2f}-{max(a_times):.2f}]")
    print(f"{'assignment':12} {'(b) isolated':>20} {'(p) precomputed':>20} {'(c) in-process':>20} "
          f"{'(k) cached':>20} {'b/a':>6} {'p/a':>6} {'p/c':>6} {'k/a':>6}")
    for name, columns in times.items():
        b, p, c, k = map(statistics.median, columns)
        cells = " ".join(f"{statistics.median(t):5.2f} s [{min(t):.2f}-{max(t):.2f}]" for t in columns)
        print(f"{name:12} {cells} {b / a:6.2f} {p / a:6.2f} {p / c:6.2f} {k / a:6.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--assignment", action="append", choices=ASSIGNMENTS,
                        help="repeatable; every assignment by default")
    parser.add_argument("--busy", type=int, nargs="?", const=1, default=0, metavar="N",
                        help="also time with N other processes spinning (1 if N is not given)")
    args = parser.parse_args()
    names = args.assignment or list(ASSIGNMENTS)
    print(f"median of {args.runs} interleaved runs on {os.cpu_count()} cores")
    with tempfile.TemporaryDirectory() as precomputed:
        for name in names:  # seed 0, the CLI's default
            subprocess.run([sys.executable, "-m", "autograder", "precompute", name, "--seed", "0", "-o", precomputed],
                           cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
        with OtherLoad() as load:
            measured = timings(args.runs, names, Path(precomputed))
        print_timings("idle machine", load, *measured)
        if args.busy:
            busy = spinners(args.busy)
            try:
                with OtherLoad() as load:
                    measured = timings(args.runs, names, Path(precomputed))
                print_timings(f"{args.busy} other process{'es' * (args.busy > 1)} spinning", load, *measured)
            finally:
                for proc in busy:
                    proc.kill()
    print("\npeak memory of the Gradescope path (sum of PSS over the process tree)")
    with tempfile.TemporaryDirectory() as dist:
        for name in names:
            subprocess.run([sys.executable, "-m", "autograder", "build", name, "-o", dist], cwd=ROOT, check=True,
                           stdout=subprocess.DEVNULL)
            print(f"{name:12} {gradescope_peak_mib(name, Path(dist) / f'{name}-autograder.zip'):7.0f} MiB")


if __name__ == "__main__":
    main()
