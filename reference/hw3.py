"""Homework 3: MLP basics.

Build and train a small MLP, convert between sigmoid and tanh networks, and
answer two limits. Tensors are torch float32; the conversion functions take
and return NumPy arrays. Submit this file as ``hw3.py``.

The experiment of Problem 3, with the data below: ``X_train, y_train, X_val,
y_val = make_data()``, then ``model = MLP()``, ``init_weights(model)`` and
``train(model, X_train, y_train)``; the mean validation MSE is 1.2829 and 90
of the 102 validation points get the sign of their target. Then, with label
noise: draw ``noise = torch.normal(0, 0.5, X_train.shape)``, build a new
``MLP()``, initialise it, and train it on the noisy labels ``y_train +
noise`` (train on them for real: a DataLoader built earlier from the clean
labels would go on serving those).
"""
import numpy as np
import torch
from torch import nn


def f_true(x):
    """Given: the target function of Problem 3 (on tensors or arrays)."""
    return (x - 2) * np.cos(4 * x)


def make_data(seed=0):
    """Given: the data of Problem 3, drawn in this order after ``torch.manual_seed(seed)``: 512 training
    inputs, then 102 validation inputs, from N(0, 1), labelled by ``f_true``."""
    torch.manual_seed(seed)
    X_train = torch.normal(0.0, 1.0, (512,))
    y_train = f_true(X_train)
    X_val = torch.normal(0.0, 1.0, (102,))
    y_val = f_true(X_val)
    return X_train, y_train, X_val, y_val


class MLP(nn.Module):
    """Problem 1. Layers ``l1 = Linear(1, 64)``, ``l2 = Linear(64, 64)``, ``l3 = Linear(64, 1)``,
    a sigmoid after l1 and after l2, none after l3; no constructor arguments.

    ``forward`` accepts inputs of shape (N,), (N, 1) or a 0-d tensor and
    returns shape (N, 1) (a 0-d input is one sample: (1, 1)).
    """

    def __init__(self):
        # BEGIN SOLUTION
        super().__init__()
        self.l1 = nn.Linear(1, 64)
        self.l2 = nn.Linear(64, 64)
        self.l3 = nn.Linear(64, 1)
        # END SOLUTION

    def forward(self, x):
        # BEGIN SOLUTION
        x = x.reshape(-1, 1)
        return self.l3(torch.sigmoid(self.l2(torch.sigmoid(self.l1(x)))))
        # END SOLUTION


def init_weights(model):
    """Problem 2. In place: every weight of every nn.Linear drawn from N(0, 1), every bias 0.03."""
    # BEGIN SOLUTION
    with torch.no_grad():
        for layer in model.modules():
            if isinstance(layer, nn.Linear):
                layer.weight.normal_(0.0, 1.0)
                layer.bias.fill_(0.03)
    # END SOLUTION


def train(model, X, Y, lr=0.1, epochs=1000, batch_size=128):
    """Problem 3. Minibatch SGD on nn.MSELoss, the batches taken in order (no shuffling):
    X[0:128], X[128:256], ... each epoch. Returns the list of per-epoch mean
    training losses (the mean of the epoch's batch losses)."""
    # BEGIN SOLUTION
    loss_fn = nn.MSELoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    X, Y = X.reshape(-1, 1), Y.reshape(-1, 1)
    losses = []
    for _ in range(epochs):
        batch_losses = []
        for start in range(0, len(X), batch_size):
            optimizer.zero_grad()
            loss = loss_fn(model(X[start:start + batch_size]), Y[start:start + batch_size])
            loss.backward()
            optimizer.step()
            batch_losses.append(loss.item())
        losses.append(sum(batch_losses) / len(batch_losses))
    return losses
    # END SOLUTION


# Problem 4. The number of trainable parameters of MLP.
NUM_PARAMETERS = (1 * 64 + 64) + (64 * 64 + 64) + (64 * 1 + 1)  # SOLUTION


def sigmoid_to_tanh(As, bs):
    """Problem 5(a). ``As``, ``bs``: the L weight matrices and bias vectors of an MLP with a
    sigmoid after every layer but the last. Return ``(Cs, ds)`` of a tanh MLP of the same
    shape computing the same function. Hint: sigmoid(z) = (1 + tanh(z / 2)) / 2."""
    # BEGIN SOLUTION
    Cs, ds = [], []
    last = len(As) - 1
    for layer, (A, b) in enumerate(zip(As, bs)):
        if layer == 0:
            Cs.append(A / 2)
            ds.append(b / 2)
        elif layer < last:
            Cs.append(A / 4)
            ds.append(b / 2 + A.sum(axis=1) / 4)
        else:
            Cs.append(A / 2)
            ds.append(b + A.sum(axis=1) / 2)
    return Cs, ds
    # END SOLUTION


def tanh_to_sigmoid(Cs, ds):
    """Problem 5(b). The converse: a sigmoid MLP computing the same function as the tanh MLP."""
    # BEGIN SOLUTION
    As, bs = [], []
    last = len(Cs) - 1
    for layer, (C, d) in enumerate(zip(Cs, ds)):
        if layer == 0:
            As.append(2 * C)
            bs.append(2 * d)
        elif layer < last:
            As.append(4 * C)
            bs.append(2 * d - 2 * C.sum(axis=1))
        else:
            As.append(2 * C)
            bs.append(d - C.sum(axis=1))
    return As, bs
    # END SOLUTION


# Problem 6(a). The cross-entropy loss of the logits lambda * e_y as lambda -> infinity.
CE_LIMIT = "0"  # SOLUTION
# Problem 6(b). The smallest Lipschitz constant of softplus' = sigmoid.
SOFTPLUS_LIPSCHITZ = "1/4"  # SOLUTION
