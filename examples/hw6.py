"""An example hw6 submission, as a student might hand it in: mostly right, with three classic mistakes."""
import numpy as np
import torch
from torch import nn

DROPOUT_COMMUTES = {"ReLU": True, "Sigmoid": False, "LeakyReLU": True}
OUTPUT_MEAN = "0"


def output_variance(widths):
    # Mistake: multiplies the one-layer answer, (n+1)/(3n), across layers.
    return float(np.prod([(n + 1) / (3 * n) for n in widths]))


def residual_jacobian(A, b, y_prev, sigma_prime):
    return np.diag(sigma_prime(A @ y_prev + b)) @ A + np.eye(len(b))


def residual_param_grads(As, bs, x, sigma, sigma_prime):
    ys, zs = [x], []
    for i, (A, b) in enumerate(zip(As[:-1], bs[:-1])):
        zs.append(A @ ys[-1] + b)
        ys.append(sigma(zs[-1]) + (ys[-1] if i else 0))
    dAs, dbs = [None] * len(As), [None] * len(bs)
    dAs[-1], dbs[-1] = ys[-1][None, :], np.ones(1)
    g = As[-1][0]
    for i in reversed(range(len(As) - 1)):
        delta = g * sigma_prime(zs[i])
        dAs[i], dbs[i] = np.outer(delta, ys[i]), delta
        g = delta @ As[i] + g if i else g
    return dAs, dbs


PARAMS_PLAIN = 213504
PARAMS_STM = 78592


class STMConvLayer(nn.Module):
    def __init__(self):
        super().__init__()
        # Mistake: a plain Python list, so PyTorch registers none of these layers.
        self.branches = [nn.Sequential(nn.Conv2d(256, 4, 1), nn.ReLU(), nn.Conv2d(4, 4, 3, padding=1), nn.ReLU(),
                                       nn.Conv2d(4, 256, 1), nn.ReLU()) for _ in range(32)]

    def forward(self, x):
        return sum(branch(x) for branch in self.branches)


def solve_lsqr(X, y, lamda):
    # Mistake: y as a column gives theta of shape (p, 1).
    return np.linalg.solve(X.T @ X + lamda * np.eye(X.shape[1]), X.T @ y[:, None])


def get_error(X, y, theta):
    return np.linalg.norm(X @ theta - y)


def relu(x):
    return np.maximum(x, 0)


def random_features(X, W):
    return relu(X @ W.T)


def double_descent(num_params, lamda, seed):
    rng = np.random.default_rng(seed)
    beta = rng.standard_normal(35)
    beta /= np.linalg.norm(beta)
    splits = {}
    for name, n, noise in (("train", 300, 0.5), ("val", 60, 0.0), ("test", 30, 0.0)):
        X = rng.standard_normal((n, 35))
        splits[name] = (X, X @ beta + (noise * rng.standard_normal(n) if noise else 0.0))
    errors = []
    for p in num_params:
        W = rng.standard_normal((p, 35)) / np.sqrt(p)
        feats = {k: (random_features(X, W), y) for k, (X, y) in splits.items()}
        grid = [2.0 ** i for i in range(-6, 6)] if lamda is None else [lamda]
        fits = [np.ravel(solve_lsqr(feats["train"][0], feats["train"][1], lam)) for lam in grid]
        best = min(fits, key=lambda t: get_error(*feats["val"], t))
        errors.append(get_error(feats["test"][0], feats["test"][1], best))
    return np.array(errors)
