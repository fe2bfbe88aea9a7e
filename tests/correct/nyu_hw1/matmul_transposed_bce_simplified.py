"""NYU Deep Learning, Homework 1: backpropagation by hand.

A two-layer network, Linear1 -> f -> Linear2 -> g, on one input vector:

    z1 = W1 x + b1,   z2 = f(z1),   z3 = W2 z2 + b2,   y_hat = g(z3)

``params`` is a dict of torch tensors ``W1`` (m, n), ``b1`` (m,), ``W2``
(K, m) and ``b2`` (K,); ``x`` has shape (n,) and ``y`` shape (K,). The
activation ``f`` is one of ``"5relu"`` (5 ReLU(z)), ``"relu"`` or ``"tanh"``;
``g`` is ``"identity"`` or ``"sigmoid"``. Compute everything by hand with
tensor operations: no autograd (no ``.backward()``, no ``torch.autograd``).
Submit this file as ``nyu_hw1.py``.
"""
import torch


def _activation(name, z):
    """Given: the value of the activation ``name`` at ``z``."""
    if name == "5relu":
        return 5 * torch.relu(z)
    if name == "relu":
        return torch.relu(z)
    if name == "tanh":
        return torch.tanh(z)
    if name == "sigmoid":
        return torch.sigmoid(z)
    if name == "identity":
        return z
    raise ValueError(f"unknown activation {name!r}")


def forward(params, x, f, g):
    W1, b1, W2, b2 = (params[k] for k in ("W1", "b1", "W2", "b2"))
    z1 = torch.matmul(x, W1.T) + b1
    z2 = _activation(f, z1)
    z3 = torch.matmul(z2, W2.T) + b2
    return dict(z1=z1, z2=z2, z3=z3, y_hat=_activation(g, z3), extra=0)


def backward(params, x, y, f, g, loss):
    out = forward(params, x, f, g)
    K = y.shape[0]
    if loss == "bce" and g == "sigmoid":
        d_z3 = (out["y_hat"] - y) / K
    else:
        if loss == "mse":
            dy = 2.0 * (out["y_hat"] - y)
        else:
            eps = 1e-12
            dy = -(y / (out["y_hat"] + eps) - (1 - y) / (1 - out["y_hat"] + eps)) / K
        if g == "sigmoid":
            s = torch.sigmoid(out["z3"])
            d_z3 = dy * s * (1 - s)
        else:
            d_z3 = dy
    z1 = out["z1"]
    fprime = {"5relu": 5.0 * (z1 > 0).float(), "relu": (z1 > 0).float(), "tanh": 1 - torch.tanh(z1) ** 2}[f]
    d_z1 = (d_z3 @ params["W2"]) * fprime
    return {"dW2": d_z3[:, None] * out["z2"][None, :], "db2": d_z3, "dW1": d_z1.unsqueeze(1) * x.unsqueeze(0),
            "db1": d_z1}
