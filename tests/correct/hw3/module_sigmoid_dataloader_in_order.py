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
    def __init__(self):
        super().__init__()
        self.l1, self.l2, self.l3 = nn.Linear(1, 64), nn.Linear(64, 64), nn.Linear(64, 1)
        self.act = nn.Sigmoid()

    def forward(self, x):
        x = x.view(-1, 1).float()
        return self.l3(self.act(self.l2(self.act(self.l1(x)))))


def init_weights(model):
    for name, p in model.named_parameters():
        if name.endswith("weight"):
            nn.init.normal_(p, mean=0.0, std=1.0)
        else:
            nn.init.constant_(p, 0.03)


def train(model, X, Y, lr=0.1, epochs=1000, batch_size=128):
    opt = torch.optim.SGD(model.parameters(), lr=lr)
    data = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(X.view(-1, 1), Y.view(-1, 1)),
                                       batch_size=batch_size, shuffle=False)
    history = []
    for epoch in range(epochs):
        per_batch = []
        for xb, yb in data:
            opt.zero_grad()
            loss = ((model(xb) - yb) ** 2).mean()
            loss.backward()
            opt.step()
            per_batch.append(loss.item())
        history.append(float(np.mean(per_batch)))
    return history


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
            ds.append(0.5 * b + 0.25 * A @ np.ones(A.shape[1]))
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
