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
    """The forward pass: a dict with the tensors ``z1``, ``z2``, ``z3`` and ``y_hat``."""
    z1 = params["W1"] @ x + params["b1"]
    z2 = _activation("relu" if f == "5relu" else f, z1)
    z3 = params["W2"] @ z2 + params["b2"]
    return {"z1": z1, "z2": z2, "z3": z3, "y_hat": _activation(g, z3)}


def _derivative(name, z):
    """The derivative of the activation ``name`` at ``z``, elementwise."""
    if name == "5relu":
        return 5.0 * (z > 0).to(z.dtype)
    if name == "relu":
        return (z > 0).to(z.dtype)
    if name == "tanh":
        return 1 - torch.tanh(z) ** 2
    if name == "sigmoid":
        s = torch.sigmoid(z)
        return s * (1 - s)
    return torch.ones_like(z)


def backward(params, x, y, f, g, loss):
    """Gradients of the loss: a dict ``dW1``, ``db1``, ``dW2``, ``db2`` shaped like the parameters.

    ``loss`` is ``"mse"``, the squared error ||y_hat - y||^2 (no 1/2, no
    mean), or ``"bce"``, the binary cross-entropy averaged over the K outputs:
    -(1/K) sum_k [y_k log y_hat_k + (1 - y_k) log(1 - y_hat_k)].
    """
    cache = forward(params, x, f, g)
    y_hat = cache["y_hat"]
    if loss == "mse":
        d_y_hat = 2 * (y_hat - y)
    else:
        d_y_hat = (y_hat - y) / (y_hat * (1 - y_hat)) / y.numel()
    d_z3 = d_y_hat * _derivative(g, cache["z3"])
    d_z1 = (params["W2"].T @ d_z3) * _derivative(f, cache["z1"])
    return {"dW1": torch.outer(d_z1, x), "db1": d_z1, "dW2": torch.outer(d_z3, cache["z2"]), "db2": d_z3}
