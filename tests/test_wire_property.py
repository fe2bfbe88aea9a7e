"""Whatever a student's code returns crosses the wire and meets every check's comparison: never a grader error.

Hypothesis draws values of every kind a student can return (builtins and their subclasses, namedtuples, 0-d
and empty arrays of every dtype, tensors, nested containers, huge and tiny magnitudes); a session answers every
probe of every check with the value, encoded and decoded as the worker and the grader do.
"""
from __future__ import annotations

import io
from collections import OrderedDict, namedtuple

import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from autograder.assignments import ASSIGNMENTS, load
from autograder.grading import run_checks
from autograder.sandbox import Session, StudentFailure, wire
from autograder.sandbox.session import decode_reply, failure_from

Pair = namedtuple("Pair", "first second")


class ListOf(list):
    pass


class Answering(Session):
    """Every probe answered with one value, through the wire as a worker would send it."""

    def __init__(self, value):
        self.value = value
        self.names = frozenset()

    def request(self, req: dict, timeout: float, subject: str) -> wire.Decoded:
        body = {"value": self.value, "mutated": [], "is_module": False, "type": type(self.value).__name__,
                "state": {}}
        arrays: dict[str, np.ndarray] = {}
        try:
            doc = wire.encode(body, arrays)
        except wire.WireError as exc:
            raise failure_from({"kind": "unserializable", "message": str(exc)}, subject) from None
        # the arrays as .npy bytes, read back without pickle, as the grader reads a worker's reply
        return decode_reply({"ok": True, "body": doc},
                            {n: np.load(io.BytesIO(_npy(a)), allow_pickle=False) for n, a in arrays.items()}, subject)


def _npy(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=False)
    return buffer.getvalue()


def _hashable(value) -> bool:
    try:
        hash(value)
    except TypeError:
        return False
    return not (isinstance(value, float) and value != value)  # NaN: a set of it compares unequal to itself


FLOATS = st.floats(allow_nan=True, allow_infinity=True) | st.sampled_from([1e308, -1e-308, 5e-324, 0.0, -0.0])
SCALARS = (st.none() | st.booleans() | st.integers(min_value=-(10**30), max_value=10**30) | FLOATS
           | st.complex_numbers(allow_nan=True) | st.text(max_size=20) | st.fractions()
           | st.decimals(allow_nan=False))  # exact numbers cross exact; a NaN Decimal is test_wire_and_results'
DTYPES = (hnp.integer_dtypes() | hnp.unsigned_integer_dtypes() | hnp.floating_dtypes() | hnp.complex_number_dtypes()
          | hnp.boolean_dtypes() | hnp.datetime64_dtypes() | hnp.timedelta64_dtypes() | hnp.unicode_string_dtypes()
          | hnp.byte_string_dtypes())
ARRAYS = hnp.arrays(DTYPES, hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=4))
RECORDS = hnp.arrays(np.dtype([("a", "f8"), ("b", "i4")]), st.integers(0, 3))
TENSORS = hnp.arrays(st.sampled_from([np.float32, np.float64, np.int64, np.bool_]),
                     hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=4)).map(torch.from_numpy)
LEAVES = SCALARS | ARRAYS | RECORDS | TENSORS | ARRAYS.map(lambda a: a[()] if a.ndim == 0 else a)
VALUES = st.recursive(LEAVES, lambda inner: (
    st.lists(inner, max_size=4) | st.lists(inner, max_size=4).map(tuple) | st.lists(inner, max_size=4).map(ListOf)
    | st.tuples(inner, inner).map(lambda t: Pair(*t)) | st.frozensets(SCALARS.filter(_hashable), max_size=4)
    | st.dictionaries(st.text(max_size=6) | st.integers(-3, 3), inner, max_size=4)
    | st.dictionaries(st.text(max_size=6), inner, max_size=4).map(OrderedDict)), max_leaves=12)


CHECKS = {name: load(name) for name in ASSIGNMENTS}


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
@settings(max_examples=60, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(value=VALUES)
def test_no_returned_value_makes_a_grader_error(assignment, value):
    log = io.StringIO()
    try:
        results = run_checks(CHECKS[assignment], Answering(value), log=log)
    except StudentFailure:  # raised outside any check: not possible, run_checks catches per check
        raise AssertionError("a student failure escaped run_checks") from None
    errors = [r.check.name for r in results if r.outcome.diagnosis == "grader_error"]
    assert not errors, log.getvalue()


@settings(max_examples=200, deadline=None, derandomize=True)
@given(value=VALUES)
def test_equal_values_cross_the_wire_equal(value):
    """What decodes is what was sent, as data: sequences stay sequences, mappings mappings."""
    session = Answering(value)
    try:
        decoded = session.request({"probe": "value"}, 1.0, "x").value["value"]
    except StudentFailure:
        return  # an object array or another value that may not cross: the student's wrong type
    _same(value, decoded)


def _same(sent, got) -> None:
    if isinstance(sent, torch.Tensor):
        sent = sent.numpy()
    if isinstance(sent, (np.ndarray, np.generic)) and not isinstance(sent, np.ndarray) and sent.dtype.kind in "fciub":
        sent = sent.item()
    if isinstance(sent, np.ndarray) and sent.dtype.kind not in wire.NUMERIC_KINDS:
        assert isinstance(got, wire.Opaque)  # text, dates and records are no answer: the student's wrong type
    elif isinstance(sent, np.ndarray):
        assert isinstance(got, np.ndarray) and got.shape == sent.shape
        assert np.array_equal(got, sent, equal_nan=sent.dtype.kind in "fc"), (sent, got)
    elif isinstance(sent, dict):
        assert isinstance(got, dict) and len(got) == len(sent)
        for (k, v), (k2, v2) in zip(sent.items(), got.items()):
            assert k == k2
            _same(v, v2)
    elif isinstance(sent, (list, tuple)):
        assert isinstance(got, tuple if isinstance(sent, tuple) else list) and len(got) == len(sent)
        for a, b in zip(sent, got):
            _same(a, b)
    elif isinstance(sent, (float, complex)) and sent != sent:
        assert got != got
    elif not isinstance(sent, np.generic):
        assert got == sent, (sent, got)
