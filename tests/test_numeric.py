"""The verdicts every assignment's checks build on: a right answer in any honest form passes, a wrong one
never does, and a known mistake is named only for a wrong answer."""
from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

from autograder.answers import exact_count
from autograder.compare import mismatch
from autograder.context import Returned
from autograder.numeric import close_array, close_number, difference, leaves_inputs, named
from autograder.sandbox.wire import ArrayInfo, SympyText
from autograder.spec import failed, first_failure, passed

HALVED = ("the 1/2 is missing", "half")


def _never() -> float:
    raise AssertionError("a known mistake was computed for a right answer")


@pytest.mark.parametrize("value", [2.0, 2, np.float32(2.0), np.array(2.0), np.array([[2.0]]), Fraction(2),
                                   SympyText("2"), SympyText("4/2"), SympyText("2.00000000000000")])
def test_a_right_number_passes_in_any_form_and_computes_no_mistake(value):
    assert close_number("f(1)", Returned(value), 2.0, known=[(HALVED, _never)]).fraction == 1.0


@pytest.mark.parametrize("value", [None, "2.0", True, [2.0, 2.0], np.array([2.0, 2.0]), SympyText("sqrt(4)"),
                                   SympyText("2*x"), SympyText("2" * 500)])
def test_what_is_no_number_is_a_wrong_type(value):
    outcome = close_number("f(1)", Returned(value), 2.0)
    assert (outcome.fraction, outcome.diagnosis) == (0.0, "wrong_type")
    assert outcome.message.startswith("f(1) should return a number, got ")


def test_a_wrong_number_says_both_values_and_names_the_mistake_it_matches():
    outcome = close_number("f(1)", Returned(1.0), 2.0, expected_text="2x", known=[(HALVED, lambda: 1.0)])
    assert outcome.fraction == 0.0 and outcome.diagnosis == "half"
    assert outcome.message == "f(1) returned 1, expected 2x = 2\n  likely cause: the 1/2 is missing"
    plain = close_number("f(1)", Returned(1.5), 2.0, known=[(HALVED, lambda: 1.0)])
    assert plain.diagnosis is None and "likely cause" not in plain.message


@pytest.mark.parametrize("value", [np.nan, np.inf, -np.inf])
def test_nan_and_infinity_never_pass_but_can_be_a_named_mistake(value):
    assert close_number("f", Returned(value), 2.0).fraction == 0.0
    outcome = close_number("f", Returned(value), 2.0, known=[(("overflow", "overflow"), lambda: value)])
    assert (outcome.fraction, outcome.diagnosis) == (0.0, "overflow")
    assert close_array("f", Returned(np.array([1.0, value])), np.ones(2), rtol=1e-9, atol=0).fraction == 0.0


def test_float32_is_judged_at_its_precision_with_a_note():
    exact = np.float64(1 / 3)
    rounded = Returned(np.array(np.float32(exact)), [ArrayInfo("", "numpy", "float32")])
    outcome = close_number("f", rounded, float(exact))
    assert outcome.fraction == 1.0 and "float32" in outcome.message
    assert close_number("f", rounded, float(exact) * 1.01).fraction == 0.0


def test_an_array_is_compared_as_numpy_testing_reports_and_its_conversions_are_noted():
    expected = np.arange(6.0).reshape(2, 3)
    assert close_array("g", Returned(expected.tolist()), expected, rtol=1e-9, atol=0).message == \
        "returned a Python list; converted to a NumPy array"
    wrong = expected.copy()
    wrong[1, 2] += 1
    outcome = close_array("g(x)", Returned(wrong), expected, rtol=1e-9, atol=0, against="autograd")
    assert outcome.message.startswith("g(x) differs from autograd:\n1 of 6 entries differ")
    assert "largest difference at [1, 2]" in outcome.message
    assert close_array("g", Returned("text"), expected, rtol=1e-9, atol=0).diagnosis == "wrong_type"
    exact = [[Fraction(int(v)) for v in row] for row in expected]  # fractions, and SymPy numbers among them
    exact[0][1] = SympyText("1")
    assert close_array("g", Returned(exact), expected, rtol=1e-9, atol=0).fraction == 1.0


def test_another_shape_passes_only_where_the_check_says_the_shape_is_another_checks_business():
    expected = np.arange(4.0)
    column = Returned(expected.reshape(4, 1))
    assert close_array("g", column, expected, rtol=1e-9, atol=0).fraction == 0.0
    assert close_array("g", column, expected, rtol=1e-9, atol=0, any_shape=True).fraction == 1.0
    assert close_array("g", Returned(np.arange(5.0)), expected, rtol=1e-9, atol=0, any_shape=True).fraction == 0.0


def test_the_float32_tolerance_is_computed_only_for_a_float32_answer():
    expected = np.array([1.0, 2.0])
    off = expected + 1e-4
    calls = []

    def measured() -> float:
        calls.append(1)
        return 1e-3

    as64 = close_array("g", Returned(off), expected, rtol=0, atol=0, float32_atol=measured)
    assert as64.fraction == 0.0 and not calls
    as32 = close_array("g", Returned(off.astype(np.float32), [ArrayInfo("", "numpy", "float32")]), expected,
                       rtol=0, atol=0, float32_atol=measured)
    assert as32.fraction == 1.0 and calls == [1]


def test_a_table_of_mistakes_computes_their_values_once_and_only_for_a_wrong_answer():
    computed = []

    def values() -> dict:
        computed.append(1)
        return {"twice": np.full(3, 2.0), "none": np.zeros(3)}

    known = named({"twice": (("doubled", "twice")), "none": (("left out", "none"))}, values)
    assert close_array("g", Returned(np.ones(3)), np.ones(3), rtol=1e-9, atol=0, known=known).fraction == 1.0
    assert computed == []
    outcome = close_array("g", Returned(np.zeros(3)), np.ones(3), rtol=1e-9, atol=0, known=known)
    assert outcome.diagnosis == "none" and computed == [1]


def test_a_difference_in_nested_values_is_told_where_it_is():
    expected = {"dW": [np.ones((2, 2)), np.zeros(2)], "loss": np.array(1.0)}
    assert difference(expected, {"dW": [np.ones((2, 2)), [0.0, 0.0]], "loss": 1.0}, "step", rtol=1e-9, atol=0) is None
    assert difference(expected, {"dW": [np.ones((2, 2)), np.zeros((2, 1))], "loss": 1.0}, "step",
                      rtol=1e-9, atol=0) is None  # a column for a vector: the same numbers
    assert difference(expected, {"loss": 1.0}, "step", rtol=1e-9, atol=0) == "step has no 'dW' (its keys: 'loss')"
    assert difference(expected, [1.0], "step", rtol=1e-9, atol=0).startswith("step should be a dict with keys dW, loss")
    assert difference(expected, {"dW": [np.ones((2, 2))], "loss": 1.0}, "step", rtol=1e-9, atol=0) == \
        "step['dW'] should be a list of 2, got a list of length 1"
    told = difference(expected, {"dW": [np.ones((2, 2)), np.ones(2)], "loss": 1.0}, "step", rtol=1e-9, atol=0)
    assert told.startswith("step['dW'][1] differs from the reference:\n2 of 2 entries differ")
    assert difference(np.ones(2), np.array([1.0, np.nan]), "v", rtol=1e-9, atol=0) is not None
    assert difference(np.ones(2), "ones", "v", rtol=1e-9, atol=0) == "v should be numbers, got str 'ones'"


def test_an_argument_modified_in_place_is_named_as_the_handout_names_it():
    works = []
    mutated = Returned(None, mutated=["0['W1']", "2"])
    outcome = leaves_inputs("backward", mutated, ("params", "x", "y"), lambda: works.append(1) or True,
                            "compute new tensors instead", see="2.1")
    assert (outcome.fraction, outcome.diagnosis) == (0.0, "modified_input") and not works
    assert outcome.message == "backward modified params['W1'] and y in place; compute new tensors instead"
    broken = leaves_inputs("backward", Returned(None), ("params",), lambda: False, "", see="2.1")
    assert (broken.fraction, broken.diagnosis) == (0.0, "wrong_value") and "see check 2.1" in broken.message
    assert leaves_inputs("backward", Returned(None), ("params",), lambda: True, "", see="2.1").fraction == 1.0


def test_first_failure_stops_at_the_first_failing_case_and_keeps_the_notes_of_passes():
    ran = []

    def case(n: int):
        ran.append(n)
        return failed(f"case {n}") if n == 2 else passed("float32" if n else "")

    assert first_failure(case(n) for n in range(5)).message == "case 2" and ran == [0, 1, 2]
    assert first_failure(passed(note) for note in ("a", "", "a", "b")).message == "a; b"


@pytest.mark.parametrize("got, told", [
    (lambda e: e.T, "your array is the transpose of the expected one (rows and columns swapped)"),
    (lambda e: -e, "your values are the expected ones with the sign flipped"),
    (lambda e: e / 2, "your values are 1/2 times the expected ones: a constant factor is off"),
    (lambda e: 3 * e, "your values are 3 times the expected ones: a constant factor is off"),
    (lambda e: e + 1, None),
    (lambda e: e * 1.7, None),
])
def test_a_wrong_array_that_is_a_plain_transform_of_the_expected_one_is_told_so(got, told):
    expected = np.random.default_rng(0).standard_normal((3, 3))
    message = mismatch(expected, got(expected), rtol=1e-9, atol=0)
    assert message.splitlines()[-1] == told if told else "expected one" not in message
    rectangle = expected[:2]
    assert mismatch(rectangle, rectangle.T.copy(), rtol=1e-9, atol=0).endswith(
        "got shape (3, 2): your array is the transpose of the expected one (rows and columns swapped)")
    assert mismatch(np.array(0.5), np.array(1.0), rtol=1e-9, atol=0) == (
        "expected 0.5, got 1 (abs error 0.5, rel error 1; tolerance rtol=1e-09, atol=0)\n"
        "your value is 2 times the expected one: a constant factor is off")  # one number: the values come first
    assert "expected one" not in mismatch(np.zeros(3), np.ones(3), rtol=1e-9, atol=0)


@pytest.mark.parametrize("value", [12, 12.0, Fraction(24, 2), SympyText("12"), np.array(12), np.array([12.0])])
def test_a_count_passes_in_any_form_whose_value_is_whole(value):
    assert exact_count("N", value, 12).fraction == 1.0


@pytest.mark.parametrize("value", [12.5, Fraction(25, 2), True, "12", SympyText("n"), np.array([12, 12])])
def test_what_is_no_whole_number_is_no_count(value):
    assert exact_count("N", value, 12).diagnosis == "wrong_type"
    assert exact_count("N", Fraction(25, 2), 12).message == "N should be an int, got the fraction 25/2"
