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
