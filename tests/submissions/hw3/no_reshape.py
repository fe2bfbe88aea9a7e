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
        super().__init__()
        self.l1 = nn.Linear(1, 64)
        self.l2 = nn.Linear(64, 64)
        self.l3 = nn.Linear(64, 1)

    def forward(self, x):
        return self.l3(torch.sigmoid(self.l2(torch.sigmoid(self.l1(x)))))


def init_weights(model):
    """Problem 2. In place: every weight of every nn.Linear drawn from N(0, 1), every bias 0.03."""
    with torch.no_grad():
        for layer in model.modules():
            if isinstance(layer, nn.Linear):
                layer.weight.normal_(0.0, 1.0)
                layer.bias.fill_(0.03)


def train(model, X, Y, lr=0.1, epochs=1000, batch_size=128):
    """Problem 3. Minibatch SGD on nn.MSELoss, the batches taken in order (no shuffling):
    X[0:128], X[128:256], ... each epoch. Returns the list of per-epoch mean
    training losses (the mean of the epoch's batch losses)."""
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


# Problem 4. The number of trainable parameters of MLP.
NUM_PARAMETERS = (1 * 64 + 64) + (64 * 64 + 64) + (64 * 1 + 1)  # SOLUTION


def sigmoid_to_tanh(As, bs):
    """Problem 5(a). ``As``, ``bs``: the L weight matrices and bias vectors of an MLP with a
    sigmoid after every layer but the last. Return ``(Cs, ds)`` of a tanh MLP of the same
    shape computing the same function. Hint: sigmoid(z) = (1 + tanh(z / 2)) / 2."""
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


def tanh_to_sigmoid(Cs, ds):
    """Problem 5(b). The converse: a sigmoid MLP computing the same function as the tanh MLP."""
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


# Problem 6(a). The cross-entropy loss of the logits lambda * e_y as lambda -> infinity.
CE_LIMIT = "0"  # SOLUTION
# Problem 6(b). The smallest Lipschitz constant of softplus' = sigmoid.
SOFTPLUS_LIPSCHITZ = "1/4"  # SOLUTION
