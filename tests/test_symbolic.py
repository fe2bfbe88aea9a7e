"""Formulas are read through a whitelist, never eval, and compared by equivalence."""
from __future__ import annotations

import time

import pytest
import sympy

from autograder.answers import formula
from autograder.symbolic import AnswerError, Symbols, equivalent, parse_answer, shown, time_limit

WIDTHS = Symbols(("n0", "n_in", "sigma_A", "d"))


@pytest.mark.parametrize("text, reason", [
    ("__import__('os').system('id')", "only these functions are allowed"),
    ("().__class__.__mro__", "attribute access"),
    ("lambda: 1", "lambda"),
    ("n0[0]", "indexing"),
    ("x**(10**10**10)", "unknown name 'x'"),
    ("2**(10**10)", "exponents are limited"),
    ("1" * 10**6, "characters long"),
    ("2^2^2^2^2^2", "exponents are limited"),
    ("n0 +* 2", "could not read"),
    ("\u221a2", "plain ASCII"),
    ("factorial(10**7)", "only these functions"),
    ("beta1", "unknown name 'beta1'"),
    ("1e400", "finite"),
    ("n0 == 1", "comparisons"),
])
def test_hostile_or_unreadable_answers_are_refused_with_a_reason(text, reason):
    started = time.perf_counter()
    with pytest.raises(AnswerError, match=reason):
        parse_answer(text, WIDTHS)
    assert time.perf_counter() - started < 1


@pytest.mark.parametrize("text, expected", [
    ("(n0 + 1)/(3*n0)", "(n0 + 1)/(3*n0)"),
    ("n_in*sigma_A^2/2", "n_in*sigma_A^2/2"),
    ("2n0", "2*n0"),
    ("1/3n0", "n0/3"),  # read as Python reads it, and echoed so the student sees it
    ("\U0001d427" + "0", "n0"),  # a mathematical bold n normalises to n
    ("0.25", "1/4"),
    ("sqrt(2/d)", "sqrt(2)/sqrt(d)"),
])
def test_ordinary_notation_is_read(text, expected):
    assert shown(parse_answer(text, WIDTHS)) == expected


def test_equivalence_is_mathematical_not_textual():
    a, b = parse_answer("(n0+1)/(3*n0)", WIDTHS), parse_answer("1/3 + 1/(3*n0)", WIDTHS)
    assert equivalent(a, b).equivalent
    assert equivalent(parse_answer("sqrt(n0^2)", WIDTHS), parse_answer("n0", WIDTHS)).equivalent  # n0 > 0


def test_a_near_miss_gets_a_counterexample():
    verdict = equivalent(parse_answer("0.3333333/n0", WIDTHS), parse_answer("1/(3*n0)", WIDTHS))
    assert not verdict.equivalent
    assert "expected 1/3" in verdict.message


def test_a_missing_term_is_caught_at_large_widths():
    verdict = equivalent(parse_answer("n_in*sigma_A^2/2", WIDTHS), parse_answer("n_in*sigma_A^2/2 + 1/n_in", WIDTHS))
    assert not verdict.equivalent


def test_time_limit_interrupts_long_work():
    with pytest.raises(TimeoutError):
        with time_limit(0.2):
            while True:
                pass


def test_formula_verdict_names_a_listed_mistake():
    outcome = formula("SOFTPLUS_LIPSCHITZ", "1", "1/4", known={"1": ("1 is a bound but not the smallest", "loose")})
    assert outcome.fraction == 0 and outcome.diagnosis == "loose" and "we read your answer as 1" in outcome.message
    assert formula("X", sympy.Rational(1, 4), "1/4").fraction == 0  # a bare SymPy object never reaches here
    assert formula("X", 0.25, "1/4").fraction == 1


def test_an_answer_with_another_name_is_read_and_told_what_it_depends_on():
    outcome = formula("CE_LIMIT", "log(k)", "0")
    assert outcome.diagnosis == "wrong_value"
    assert "we read your answer as log(k), which depends on k; the answer is a constant" in outcome.message
    assert formula("CE_LIMIT", "a+b+c+d+e", "0").diagnosis == "unreadable"  # too many names: not an answer


def test_a_product_of_powers_is_refused_before_sympy_multiplies_it_out():
    product = "*".join(f"{n}^99" for n in range(99, 87, -1))  # each about 200 digits, 2,400 in all
    with pytest.raises(AnswerError, match="more than 1000 digits"):
        parse_answer(product)


def test_work_that_holds_the_interpreter_is_stopped_in_its_child_process():
    """A C call that never lets go of the GIL (as SymPy factoring a huge integer does) ignores every alarm:
    it runs in a forked child, which is killed at its deadline."""
    import ctypes

    from autograder.forked import ChildFailed, in_child

    started = time.monotonic()
    with pytest.raises(ChildFailed, match="within 1 s"):
        in_child(lambda: ctypes.PyDLL(None).sleep(60), seconds=1.0)
    assert time.monotonic() - started < 30
    assert in_child(lambda a, b: [a + b], 2, 3, seconds=10.0) == [5]
    with pytest.raises(ChildFailed, match="out of memory|limits"):
        in_child(lambda: len(bytearray(4 * 2**30)), seconds=10.0)


def _hold_the_interpreter(seconds: int) -> None:
    import ctypes
    ctypes.PyDLL(None).sleep(seconds)


def _parent_and_length(text: str) -> list:
    import os
    return [os.getppid(), len(text)]


def _parent_and_sympy() -> list:
    import os
    import sys
    return [os.getppid(), "sympy" in sys.modules]


@pytest.fixture
def judge():
    from autograder import forked

    forked.stop_judge()
    forked.start_judge(("sympy",))
    yield forked._judge[0]
    forked.stop_judge()


def test_the_judge_runs_each_job_in_a_child_of_its_own_stops_it_at_its_limit_and_serves_the_next(judge):
    """The judge imported SymPy beside the grader's start-up; its jobs keep the child's hard limits."""
    from autograder.forked import ChildFailed, in_child

    assert in_child(_parent_and_sympy, seconds=30.0) == [judge, True]
    started = time.monotonic()
    with pytest.raises(ChildFailed, match="within 1 s"):
        in_child(_hold_the_interpreter, 60, seconds=1.0)
    assert time.monotonic() - started < 30
    assert in_child(_parent_and_sympy, seconds=30.0) == [judge, True]
    assert in_child(lambda: [1], seconds=10.0) == [1]  # what it cannot import by name runs in the grader's child
    assert in_child(_parent_and_length, "x" * 2**20, seconds=30.0) == [judge, 2**20]  # more than a pipe holds


def test_a_judge_that_died_costs_no_verdict(judge):
    import os
    import signal

    from autograder import forked

    os.kill(judge, signal.SIGKILL)
    assert forked.in_child(_parent_and_sympy, seconds=30.0) == [os.getpid(), True]
    assert forked._judge is None


def test_a_grader_of_formulas_leaves_sympy_to_its_judge_and_the_others_start_none():
    """SymPy costs the grader's start-up nothing: the judge imports it beside torch's import."""
    import subprocess
    import sys

    from conftest import ROOT

    probe = ("import sys; from pathlib import Path; from autograder import forked; "
             "from autograder.grading import start_server; "
             "s, _ = start_server(sys.argv[1], [Path('reference') / (sys.argv[1] + '.py')], unconfined=True); "
             "print('sympy' in sys.modules, forked._judge is not None); s.close()")
    for assignment, judged in (("midterm", True), ("nyu_hw1", False)):
        done = subprocess.run([sys.executable, "-c", probe, assignment], cwd=ROOT, capture_output=True, text=True,
                              check=True)
        assert done.stdout.split() == ["False", str(judged)], (assignment, done.stdout, done.stderr[-2000:])


def test_the_sandbox_preloads_what_its_account_could_not_read(tmp_path):
    import os
    from pathlib import Path

    from autograder.sandbox.forkserver import readable_by_others
    from conftest import ROOT

    if not readable_by_others([ROOT]):
        pytest.skip("the checkout itself is closed to other accounts")
    folder = Path(ROOT) / f".readable-{os.getpid()}"
    (folder / "pkg").mkdir(parents=True)
    try:
        module = folder / "pkg" / "m.py"
        module.write_text("")
        for modes, readable in (((0o755, 0o755, 0o644), True), ((0o700, 0o755, 0o644), False),
                                ((0o755, 0o711, 0o644), False), ((0o755, 0o755, 0o600), False)):
            for path, mode in zip((folder, folder / "pkg", module), modes):
                path.chmod(mode)
            assert readable_by_others([module]) is readable, modes
    finally:
        folder.chmod(0o755)
        (folder / "pkg").chmod(0o755)
        module.unlink()
        (folder / "pkg").rmdir()
        folder.rmdir()
