"""Points rest only on what the grader computed: what the worker reports (names, shapes, counts, kinds)
sizes nothing and earns nothing."""
from __future__ import annotations

from conftest import ROOT

ZERO_SHAPES_MLP = '''

import torch as _torch
from torch import nn as _nn


class MLP(_nn.Module):
    """Registers l1, l2, l3 with no elements at all: a replay with weights of these shapes outputs zeros."""

    def __init__(self):
        super().__init__()
        self.l1 = _nn.Module()
        self.l1.weight = _nn.Parameter(_torch.zeros(0, 1))
        self.l2 = _nn.Module()
        self.l2.weight = _nn.Parameter(_torch.zeros(0, 0))
        self.l3 = _nn.Module()
        self.l3.weight = _nn.Parameter(_torch.zeros(1, 0))

    def forward(self, x):
        return _torch.zeros(x.numel() if x.dim() else 1, 1)
'''


def test_replays_draw_weights_of_the_reference_shapes_not_the_reported_ones(grade_submission, tmp_path):
    path = tmp_path / "hw3.py"
    path.write_text((ROOT / "reference" / "hw3.py").read_text() + ZERO_SHAPES_MLP)
    results = grade_submission("hw3", path)["by_number"]
    for number in ("1.1", "1.2", "1.3"):
        assert results[number].score == 0, (number, results[number].outcome.message)
    assert "do not fit" in results["1.3"].outcome.message or "expected" in results["1.3"].outcome.message


WRONG_VARIANCE = '''
def output_variance(widths):
    return 0.0
'''
LOOKUP_VARIANCE = '''
_TABLE = {table!r}

def output_variance(widths):
    return _TABLE.get(tuple(widths), 0.0)
'''


def test_each_submission_draws_its_own_inputs_so_feedback_is_no_lookup_table(fork_server, tmp_path):
    """Feedback states the expected value for the inputs it used: a later submission gets other inputs."""
    import re

    from autograder.grading import grade

    reference = (ROOT / "reference" / "hw6.py").read_text()
    first = tmp_path / "first" / "hw6.py"
    first.parent.mkdir()
    first.write_text(reference + WRONG_VARIANCE)
    graded = grade("hw6", first, fork_server, seed=1234)
    told = {r.check.number: r.outcome.message for r in graded.results}["2.2"]
    widths, value = re.search(r"output_variance\((\[[\d, ]+\])\) returned 0(?:\.0)?, expected (?:.* = )?([\d.e-]+)", told).groups()
    table = {tuple(eval(widths)): float(value)}  # noqa: S307 - the test's own text, parsed as the attacker would
    second = tmp_path / "second" / "hw6.py"
    second.parent.mkdir()
    second.write_text(reference + LOOKUP_VARIANCE.format(table=table))
    again = grade("hw6", second, fork_server, seed=1234)
    assert {r.check.number: r.score for r in again.results}["2.2"] == 0
    assert again.inputs_seed != graded.inputs_seed and again.seed == graded.seed == 1234
    same = grade("hw6", first, fork_server, seed=1234)  # the same file: the same inputs, so a result reproduces
    assert same.inputs_seed == graded.inputs_seed
