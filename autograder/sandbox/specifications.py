"""Models a handout fixes completely, built by the harness in the worker.

A function that takes such a model (``init_weights(model)``, ``train(model,
...)``) is judged on this one, not on the student's own class: a mistake in
the student's class then costs only that class's checks. Everything here is
in the handout; nothing is secret.
"""
from __future__ import annotations

from typing import Callable

import torch
from torch import nn


class HandoutMLP(nn.Module):
    """hw3's MLP as its handout states it: l1 = Linear(1, 64), l2 = Linear(64, 64), l3 = Linear(64, 1),
    a sigmoid after l1 and l2; inputs of shape (N,), (N, 1) or () give (N, 1)."""

    def __init__(self) -> None:
        super().__init__()
        self.l1, self.l2, self.l3 = nn.Linear(1, 64), nn.Linear(64, 64), nn.Linear(64, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.l3(torch.sigmoid(self.l2(torch.sigmoid(self.l1(x.reshape(-1, 1))))))


SPECIFICATIONS: dict[str, Callable[[], nn.Module]] = {"hw3.MLP": HandoutMLP}
