"""Plain data across the boundary, and a results.json that is always valid."""
from __future__ import annotations

import io
import json
import os

import jsonschema
import numpy as np
import pytest
import torch

from autograder.assignments import Assignment
from autograder.grading import run_checks
from autograder.results import failure_document, gradescope_document, validate, write_atomically
from autograder.sandbox import InProcessSession
from autograder.sandbox import wire
from autograder.spec import check, collect, passed


def roundtrip(value, callables=None):
    arrays: dict = {}
    doc = json.loads(json.dumps(wire.encode(value, arrays)))
    return wire.decode(doc, arrays, callables)


def test_values_come_back_as_builtin_types_and_arrays():
    value = {"a": [1, 2.5, True, None, "s"], "t": (3, 2**70), "set": {1, 2}, "x": np.arange(3.0),
             "y": torch.ones(2, dtype=torch.float32), "z": np.float32(1.5)}
    decoded = roundtrip(value)
    out = decoded.value
    assert out["a"] == [1, 2.5, True, None, "s"] and out["t"] == (3, 2**70) and out["set"] == frozenset({1, 2})
    assert isinstance(out["y"], np.ndarray) and out["y"].dtype == np.float32
    assert {(i.path, i.lib, i.dtype) for i in decoded.arrays} == {
        ("['x']", "numpy", "float64"), ("['y']", "torch", "float32"), ("['z']", "numpy", "float32")}  # a scalar too
    assert out["z"] == 1.5
    assert roundtrip(torch.tensor(0.5)).value.shape == ()


def test_a_set_of_tensor_pairs_comes_back_as_a_set_of_number_pairs():
    # what {(j, k) for j, k in torch.nonzero(mask)} gives
    assert roundtrip({(torch.tensor(8), torch.tensor(9)), (torch.tensor(2), torch.tensor(3))}).value == {(8, 9), (2, 3)}


def test_a_forged_set_of_unhashable_items_is_refused_not_a_crash():
    forged = {"$set": [{"$dict": [["k", 1]]}]}
    with pytest.raises(wire.WireError, match="dict"):
        wire.decode(forged, {})


def test_exact_numbers_cross_exact_and_a_forged_fraction_is_refused():
    from decimal import Decimal
    from fractions import Fraction

    assert roundtrip([Fraction(1, 3), Decimal("0.1"), Fraction(10**400, 3)]).value == [
        Fraction(1, 3), Fraction(1, 10), Fraction(10**400, 3)]
    nan, infinite = roundtrip([Decimal("sNaN"), Decimal("-Infinity")]).value
    assert nan != nan and infinite == float("-inf")
    for too_large in (Fraction(1, 10**5000), Decimal("1e99999999")):  # refused before any digit is written
        with pytest.raises(wire.WireError, match="digits"):
            wire.encode(too_large, {})
    for forged in (["1", "0"], ["1", "-3"], ["1"], [1, 3], ["1", "9" * 5000]):
        with pytest.raises(ValueError):
            wire.decode({"$fraction": forged}, {})


def test_unknown_objects_cross_as_their_type_name_only():
    class Evil:
        def __eq__(self, other):
            return True

    assert roundtrip(Evil()).value == wire.Opaque("Evil")
    with pytest.raises(wire.WireError):
        wire.encode(np.array([object()]), {})


def test_callables_are_only_rebuilt_on_the_sandbox_side():
    ref = wire.callable_ref("tanh")
    assert roundtrip(ref, callables={"tanh": np.tanh}).value is np.tanh
    with pytest.raises(wire.WireError):
        roundtrip(ref)


def test_arrays_cross_as_raw_bytes_or_npy_and_pickles_and_forged_layouts_are_refused():
    records = np.zeros(2, dtype=[("a", "f8"), ("b", "i4")])
    sizes, layouts, payload = wire.pack({"a0": np.arange(4.0), "a1": np.eye(2, dtype=">f4"), "a2": records,
                                         "a3": np.zeros((0, 3)), "a4": np.array(["ab", "c"])})
    assert set(layouts) == {"a0", "a1", "a3", "a4"}  # records cross as .npy
    arrays = wire.unpack(sizes, payload, layouts)
    assert arrays["a1"].dtype == np.dtype(">f4") and arrays["a0"].tolist() == [0, 1, 2, 3]
    assert arrays["a2"].dtype == records.dtype and arrays["a3"].shape == (0, 3) and arrays["a4"].tolist() == ["ab", "c"]
    assert arrays["a0"].flags.writeable and arrays["a0"].flags.aligned  # as np.load gave them: a student may write
    buffer = io.BytesIO()
    np.save(buffer, np.array([{"x": 1}], dtype=object), allow_pickle=True)
    with pytest.raises(ValueError, match="allow_pickle=False"):
        wire.unpack({"a0": len(buffer.getvalue())}, buffer.getvalue())
    with pytest.raises(wire.WireError):
        wire.unpack({"../a0": len(payload)}, payload)
    with pytest.raises(wire.WireError):
        wire.unpack({"a0": 3}, payload)
    eight = np.arange(1.0).tobytes()
    for forged in (["O", [1]], ["|O", [1]], ["<f8", [2]], ["<f8", [1, -1, -1]], ["<f8", [True]], ["<f8", "1"],
                   ["[('a', '<f8')]", [1]], ["<f8", [1] * 40], ["<f4", [3]]):
        with pytest.raises(wire.WireError):
            wire.unpack({"a0": 8}, eight, {"a0": forged})
    with pytest.raises(wire.WireError):
        wire.unpack({"a0": 8}, eight, {"a1": ["<f8", [1]]})  # a layout for no array


@check("1", 2)
def fine(ctx):
    """a check that passes"""
    return passed()


@check("2", 3)
def broken(ctx):
    """a check whose own code is faulty"""
    raise KeyError("secret_hidden_input")


def test_a_faulty_check_costs_its_points_with_a_reference_and_no_traceback(tmp_path):
    (tmp_path / "hw6.py").write_text("")
    log = io.StringIO()
    module = type("M", (), {"fine": fine, "broken": broken})
    results = run_checks(Assignment("t", tuple(collect(module))), InProcessSession(tmp_path / "hw6.py", "t"), log=log)
    assert [r.score for r in results] == [2, 0]
    assert "grader error (reference " in results[1].outcome.message
    assert "secret_hidden_input" not in results[1].outcome.message and "secret_hidden_input" in log.getvalue()
    validate(gradescope_document(results, execution_time=0.1))


def test_schema_accepts_our_documents_and_rejects_malformed_ones():
    validate(failure_document("boom"))
    with pytest.raises(jsonschema.ValidationError):
        validate({"tests": [{"score": 1}]})
    with pytest.raises(jsonschema.ValidationError):
        validate({"tests": [], "execution_time": "1.0"})  # gradescope-utils writes a string here; Gradescope wants a number


def test_results_are_written_atomically(tmp_path):
    target = tmp_path / "results" / "results.json"
    write_atomically(failure_document("x"), target)
    assert json.loads(target.read_text())["tests"][0]["name"] == "grader error"
    assert os.listdir(target.parent) == ["results.json"]


def test_memo_tells_apart_arrays_with_the_same_numbers_in_other_shapes():
    from autograder.sandbox.wire import digest

    flat = np.arange(5.0)
    assert digest({"probe": "forward", "inputs": [flat]}) != digest({"probe": "forward", "inputs": [flat.reshape(5, 1)]})
    assert digest({"probe": "forward", "inputs": [flat]}) != digest({"probe": "forward", "inputs": [flat.astype(np.float32)]})


def test_sequence_subclasses_cross_as_sequences_not_sets():
    from collections import namedtuple

    from autograder.sandbox import wire

    class Row(list):
        pass

    hyper = namedtuple("AdamHyper", "beta1 beta2 eps")(0.0, 0.0, 0.0)
    for value, want in ((hyper, (0.0, 0.0, 0.0)), (Row([1, 1]), [1, 1])):
        arrays = {}
        assert wire.decode(wire.encode(value, arrays), arrays).value == want


def test_a_wrong_scalar_array_is_described_not_a_grader_error():
    import numpy as np

    from autograder.compare import mismatch

    assert "expected 0.593245, got 0.6" in mismatch(np.array(0.5932448719), np.array(0.6), rtol=1e-6, atol=1e-8)


def test_decoding_counts_what_it_builds():
    from autograder.sandbox import wire

    with pytest.raises(wire.WireError):
        wire.decode({"$list": [[]] * (wire.MAX_ITEMS + 1)}, {})
    with pytest.raises(wire.WireError):
        wire.decode(["x" * 600_000, "y" * 600_000], {})
    assert wire.decode({"$list": [[]] * 10}, {}).items == 11
