"""Expected values precomputed for a seed are used for that seed, and only by the code that computed them."""
from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import numpy as np
import pytest

from conftest import ROOT

SEED = 4242

# Grades the reference at a seed with the reference's double-descent data made unavailable: 6.8 and 6.9 can
# only pass where their expected curves come from precomputed values.
GRADE_WITHOUT_THE_REFERENCE_CURVES = textwrap.dedent("""
    import json, sys
    from pathlib import Path
    from autograder.assignments import load
    from autograder.grading import grade, start_server

    server, _ = start_server("hw6", [Path("reference/hw6.py")])
    checks = sys.modules["autograder.assignments.hw6"]
    def unavailable(*args):
        raise RuntimeError("the reference was asked")
    checks.REF.draw_double_descent_data = unavailable
    graded = grade("hw6", Path("reference/hw6.py"), server, seed=int(sys.argv[1]), log=sys.stderr)
    server.close()
    print(json.dumps({r.check.number: r.passed for r in graded.results}))
""")


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("precomputed")
    subprocess.run([sys.executable, "-m", "autograder", "precompute", "hw6", "--seed", str(SEED), "-o", str(folder)],
                   cwd=ROOT, check=True, capture_output=True, timeout=300)
    return folder


def passed_without_the_reference(store: Path, seed: int, log: list[str] | None = None) -> dict[str, bool]:
    env = {**__import__("os").environ, "AUTOGRADER_PRECOMPUTED": str(store)}
    done = subprocess.run([sys.executable, "-c", GRADE_WITHOUT_THE_REFERENCE_CURVES, str(seed)], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    if log is not None:
        log.append(done.stderr)
    return json.loads(done.stdout)


def test_precomputed_values_answer_for_their_seed(store):
    passed = passed_without_the_reference(store, SEED)
    assert passed["6.8"] and passed["6.9"] and all(passed.values())


def test_another_seed_is_computed_from_the_reference(store):
    passed = passed_without_the_reference(store, SEED + 1)
    assert not passed["6.8"] and not passed["6.9"]  # computed, so the unavailable reference was asked


def test_values_computed_by_other_code_are_ignored(store, tmp_path):
    stale = tmp_path / "stale"
    stale.mkdir()
    index = json.loads((store / "hw6.json").read_text())
    index["$code"] = "0" * 40  # as if the checks, the reference or NumPy had changed since
    index["$versions"] = "NumPy 1.0.0, torch 0.1"
    (stale / "hw6.json").write_text(json.dumps(index))
    (stale / "hw6.npz").write_bytes((store / "hw6.npz").read_bytes())
    log: list[str] = []
    passed = passed_without_the_reference(stale, SEED, log)
    assert not passed["6.8"] and not passed["6.9"]
    # said to staff (Gradescope shows them the log): the time is lost, not silently
    assert "precomputed expected values" in log[0] and "NumPy 1.0.0, torch 0.1" in log[0] and "not used" in log[0]


def test_the_zip_pins_the_libraries_it_was_built_with(autograder_zip):
    import numpy

    with zipfile.ZipFile(autograder_zip) as zf:
        lock = zf.read("requirements.lock").decode()
    assert lock.startswith(f"# python {sys.version_info.major}.{sys.version_info.minor}:")
    assert f"numpy=={numpy.__version__}\n" in lock and "sympy==" in lock and "torch" not in lock
    setup = (ROOT / "setup.sh").read_text()
    assert 'REQUIREMENTS="$LOCK"' in setup and "compileall" in setup


def test_the_zip_ships_the_values_of_its_own_secret_seed(autograder_zip, tmp_path):
    with zipfile.ZipFile(autograder_zip) as zf:
        zf.extractall(tmp_path, [n for n in zf.namelist() if n.startswith("precomputed/")])
        seed = int(zf.read("SEED"))
    passed = passed_without_the_reference(tmp_path / "precomputed", seed)
    assert all(passed.values())


def test_costly_expected_values_are_kept_in_the_checkout_for_the_next_run(tmp_path, monkeypatch):
    from autograder import fixtures
    from autograder.assignments import load
    from autograder.grading import secret_paths

    load("hw6")  # the cache is kept per code of the checks

    assert fixtures.CACHE_DIR in secret_paths("hw6", [])  # the containment probe proves student code cannot read it
    monkeypatch.setenv("AUTOGRADER_CACHE", "1")
    monkeypatch.setattr(fixtures, "CACHE_DIR", tmp_path / "cache")
    monkeypatch.setitem(fixtures._precomputed, "autograder.assignments.hw6", None)
    calls = []

    def costly(x):
        calls.append(x)
        __import__("time").sleep(2 * fixtures.CACHE_SECONDS)
        return {"curve": np.arange(3.0) * x}

    def cheap(x):
        calls.append(-x)
        return x

    for helper in (costly, cheap):
        helper.__module__ = "autograder.assignments.hw6"
    first = fixtures._compute(costly, "k", "costly", (2,), {})
    again = fixtures._compute(costly, "k", "costly", (2,), {})  # from the cache: not computed a second time
    assert calls == [2] and np.array_equal(again["curve"], first["curve"])
    fixtures._compute(cheap, "c", "cheap", (3,), {})
    fixtures._compute(cheap, "c", "cheap", (3,), {})
    assert calls == [2, -3, -3]  # cheap values are not worth a file
    monkeypatch.setenv("AUTOGRADER_CACHE", "0")
    fixtures._compute(costly, "k", "costly", (2,), {})
    assert calls == [2, -3, -3, 2]
