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
