"""A batch with one submission that tries to starve the others of CPU: every honest grade must stay exact.

The starving submission starts a crowd of spinning processes at its first call and keeps its worker
alive by sleeping just under each time limit, so that the crowd runs while the other lane grades honest
copies of the reference. With control groups (root, a writable hierarchy) the crowd shares one CPU and
the other lane keeps its own; without them, a check that times out while its worker waited for a CPU is
run again. Either way every honest copy must score full marks; the time each part took is printed.
"""
from __future__ import annotations

import argparse
import csv
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
STARVING = '''

import os as _os
import time as _time

_crowd = []


def solve_lsqr(X, y, lamda):
    if not _crowd:  # at the first call: the import's time limit is not at stake
        for _ in range({crowd}):
            pid = _os.fork()
            if pid == 0:
                _os.setsid()
                while True:
                    pass
            _crowd.append(pid)
    _time.sleep(9.0)  # just under the 10 s limit, without using the CPU: the worker, and its crowd, stay
    return np.linalg.solve(X.T @ X + lamda * np.eye(X.shape[1]), X.T @ y)
'''


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--honest", type=int, default=10)
    parser.add_argument("--crowd", type=int, default=240)
    parser.add_argument("-j", "--jobs", type=int, default=2)
    args = parser.parse_args()
    reference = (ROOT / "reference" / "hw6.py").read_text()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "submissions"
        folder.mkdir()
        (folder / "a_starving_hw6.py").write_text(reference + STARVING.format(crowd=args.crowd))
        for i in range(args.honest):
            (folder / f"honest{i:02}_hw6.py").write_text(f"{reference}\n# submission {i}\n")
        out = Path(tmp) / "out"
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "autograder", "batch", "hw6", str(folder), "-j", str(args.jobs),
                        "-o", str(out), "--no-progress"], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
        elapsed = time.perf_counter() - start
        with (out / "grades.csv").open(encoding="utf-8-sig") as fh:
            rows = list(csv.DictReader(fh))
    maximum, students = rows[0]["total"], rows[1:]
    honest = [r for r in students if r["id"].startswith("honest")]
    wrong = [(r["id"], r["total"]) for r in honest if r["total"] != maximum]
    starving = next(r for r in students if r["id"].startswith("a_starving"))
    print(f"{len(honest)} honest copies and one starving submission ({args.crowd} spinning processes), "
          f"-j {args.jobs} on {os.cpu_count()} cores, as uid {os.geteuid()}: {elapsed:.0f} s in all")
    print(f"honest copies at full marks: {len(honest) - len(wrong)}/{len(honest)}"
          + (f"; not: {wrong}" if wrong else ""))
    print(f"the starving submission: {starving['total']}/{maximum}")
    if wrong:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
