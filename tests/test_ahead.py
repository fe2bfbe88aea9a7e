"""Calls answered ahead (ahead.py): a second worker on a spare core runs hw6's double descents while the first
answers the other checks; it saves time and never changes a verdict."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest

from conftest import ROOT, run_autograder

# The reference, with a double_descent that can tell the second worker from the first: only the first has
# built an STMConvLayer (checks 5.x) by the time the double descents are checked.
TELLS_THE_WORKERS_APART = '''
_reference_double_descent = double_descent
_built = []
_reference_init = STMConvLayer.__init__


def _init(self):
    _built.append(1)
    _reference_init(self)


STMConvLayer.__init__ = _init


def double_descent(num_params, lamda, seed):
    if _built:
        {in_the_first}
    else:
        {in_the_second}
    return _reference_double_descent(num_params, lamda, seed)
'''


def graded(tmp_path, *, in_the_first: str = "pass", in_the_second: str = "pass", cores: str | None = None,
           scale: str = "1") -> dict[str, dict]:
    """hw6's double-descent checks, by number, for the reference whose double_descent first does this in the
    first worker or the second; ``cores``: the CPUs the grader may use (taskset)."""
    submission = tmp_path / "hw6.py"
    submission.write_text((ROOT / "reference" / "hw6.py").read_text()
                          + TELLS_THE_WORKERS_APART.format(in_the_first=in_the_first, in_the_second=in_the_second))
    command = [sys.executable, "-m", "autograder", "grade", "hw6", str(submission), "--json", "-"]
    if cores is not None:
        command = [shutil.which("taskset"), "-c", cores] + command
    # a second worker wherever the suite runs: taskset's one core is what says no
    second = {} if cores else {"AUTOGRADER_SECOND_WORKER": "1"}
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300,
                          env={**os.environ, "AUTOGRADER_TIME_SCALE": scale, **second})
    assert done.returncode == 0, done.stderr
    return {t["number"]: t for t in json.loads(done.stdout)["tests"] if t["number"] in ("6.8", "6.9")}


needs_taskset = pytest.mark.skipif(shutil.which("taskset") is None, reason="taskset takes the spare core away")


@needs_taskset
def test_the_double_descents_are_answered_by_a_second_worker_when_a_core_is_spare(tmp_path):
    ahead = graded(tmp_path, in_the_first="raise RuntimeError('late')")
    assert all(t["score"] == 3 for t in ahead.values()), ahead
    one_core = graded(tmp_path, in_the_first="raise RuntimeError('late')", cores="0")  # one worker answers all
    assert all(t["score"] == 0 and "RuntimeError: late" in t["output"] for t in one_core.values()), one_core


# The second worker answers 6.8's call (which the first would get wrong), then fails on 6.9's: the first is asked
# that one, and answers it, though the second's processes may all have been killed meanwhile.
ANSWERS_ONE_THEN_DIES = {"in_the_first": "if lamda is not None: raise RuntimeError('late')",
                         "in_the_second": "if lamda is None: import os; os._exit(7)"}


@pytest.mark.parametrize("fails", ["import os; os._exit(7)", "raise MemoryError"],  # it has half the memory
                         ids=["dies", "raises"])
def test_a_second_worker_that_fails_costs_nothing_the_first_is_asked_again(tmp_path, fails):
    results = graded(tmp_path, **{**ANSWERS_ONE_THEN_DIES, "in_the_second": f"if lamda is None: {fails}"})
    assert all(t["score"] == 3 for t in results.values()), results


@pytest.mark.skipif(os.geteuid() != 0, reason="the lock-down needs root")
@pytest.mark.parametrize("second", [ANSWERS_ONE_THEN_DIES["in_the_second"],
                                    "import os, signal; os.kill(-1, signal.SIGKILL)"],  # all it may signal
                         ids=["dies", "kills_every_process_it_may"])
def test_without_namespaces_each_worker_has_its_own_account_and_one_killed_leaves_the_other(autograder_zip,
                                                                                              gradescope_root, second):
    """As Gradescope runs it: stopping a worker kills every process of its sandbox account, and student code
    may kill every process of its own."""
    submission = (ROOT / "reference" / "hw6.py").read_text() + TELLS_THE_WORKERS_APART.format(
        in_the_first=ANSWERS_ONE_THEN_DIES["in_the_first"], in_the_second=second)
    document = run_autograder(autograder_zip, gradescope_root, {"hw6.py": submission},
                              env={"AUTOGRADER_NAMESPACES": "0", "AUTOGRADER_SECOND_WORKER": "1"})
    assert document["score"] == 48, [(t["number"], t["output"]) for t in document["tests"] if t["score"] == 0]


def test_a_call_that_hangs_in_the_second_worker_is_a_timeout_said_once(tmp_path):
    """It ran the very call for its whole limit: asking the first worker again would double what a hang costs;
    and as for any function that timed out, it is not called again."""
    results = graded(tmp_path, in_the_second="import time; time.sleep(10**6)", scale="0.1")
    assert results["6.8"]["score"] == 0 and "timed out after 6 s in double_descent" in results["6.8"]["output"]
    assert results["6.9"]["score"] == 0 and "(in an earlier check; not called again)" in results["6.9"]["output"]


def test_a_second_worker_needs_a_core_of_its_own_unless_staff_say_otherwise(monkeypatch):
    from autograder import ahead

    monkeypatch.delenv("AUTOGRADER_SECOND_WORKER", raising=False)
    monkeypatch.setattr(ahead.os, "sched_getaffinity", lambda pid: {0})
    assert not ahead.spare_core()
    monkeypatch.setenv("AUTOGRADER_SECOND_WORKER", "1")
    assert ahead.spare_core()
    monkeypatch.setattr(ahead.os, "sched_getaffinity", lambda pid: {0, 1})
    monkeypatch.setenv("AUTOGRADER_SECOND_WORKER", "0")
    assert not ahead.spare_core()
