"""Homework 3: MLP basics.

Build and train a small MLP, convert between sigmoid and tanh networks, and
answer two limits. Tensors are torch float32; the conversion functions take
and return NumPy arrays. Submit this file as ``hw3.py``.
"""
import numpy as np
import torch
from torch import nn


class MLP(nn.Module):
    """Problem 1. Layers ``l1 = Linear(1, 64)``, ``l2 = Linear(64, 64)``, ``l3 = Linear(64, 1)``,
    a sigmoid after l1 and after l2, none after l3; no constructor arguments.

    ``forward`` accepts inputs of shape (N,), (N, 1) or a 0-d tensor and
    returns shape (N, 1) (a 0-d input is one sample: (1, 1)).
    """

    def __init__(self):
        raise NotImplementedError

    def forward(self, x):
        raise NotImplementedError


def init_weights(model):
    """Problem 2. In place: every weight of every nn.Linear drawn from N(0, 1), every bias 0.03."""
    raise NotImplementedError


def train(model, X, Y, lr=0.1, epochs=1000, batch_size=128):
    """Problem 3. Minibatch SGD on nn.MSELoss, the batches taken in order (no shuffling):
    X[0:128], X[128:256], ... each epoch. Returns the list of per-epoch mean
    training losses (the mean of the epoch's batch losses)."""
    raise NotImplementedError


# Problem 4. The number of trainable parameters of MLP.
NUM_PARAMETERS = None  # your answer


def sigmoid_to_tanh(As, bs):
    """Problem 5(a). ``As``, ``bs``: the L weight matrices and bias vectors of an MLP with a
    sigmoid after every layer but the last. Return ``(Cs, ds)`` of a tanh MLP of the same
    shape computing the same function. Hint: sigmoid(z) = (1 + tanh(z / 2)) / 2."""
    raise NotImplementedError


def tanh_to_sigmoid(Cs, ds):
    """Problem 5(b). The converse: a sigmoid MLP computing the same function as the tanh MLP."""
    raise NotImplementedError


# Problem 6(a). The cross-entropy loss of the logits lambda * e_y as lambda -> infinity.
CE_LIMIT = None  # your answer
# Problem 6(b). The smallest Lipschitz constant of softplus' = sigmoid.
SOFTPLUS_LIPSCHITZ = None  # your answer
