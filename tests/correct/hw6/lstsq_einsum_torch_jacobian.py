"""Homework 6: initialisation, residual networks, ResNeXt blocks and double descent.

Fill in every function and answer below, then submit this file as ``hw6.py``
(or a notebook ``hw6.ipynb`` defining the same names). Tensors are torch
float32; NumPy functions take and return NumPy arrays. A symbolic answer is
a string SymPy can read, such as ``"(n0 + 1)/(3*n0)"``; ``^`` means power.
Check your work before submitting with ``python -m autograder check hw6``.
"""
import numpy as np
import torch
from torch import nn

# ---------------------------------------------------------------------------
# Problem 1 - Dropout and activations.
# Consider Linear -> Dropout(p=0.4) -> sigma and Linear -> sigma -> Dropout(p=0.4)
# in training mode, with the same dropout mask. For each activation, is it
# the same map? Answer True or False for each key.
# ---------------------------------------------------------------------------
DROPOUT_COMMUTES = dict(LeakyReLU=True, ReLU=True, Sigmoid=False)  # SOLUTION

# ---------------------------------------------------------------------------
# Problem 2 - Initialisation of a deep linear network.
# A network of L linear layers with identity activation, y_l = A_l y_{l-1} + b_l,
# layer l having n_{l-1} inputs, initialised as PyTorch's nn.Linear does by
# default (weights and biases uniform on [-1/sqrt(n_{l-1}), 1/sqrt(n_{l-1})]).
# The inputs y_0 are IID with mean 0 and variance 1.
# ---------------------------------------------------------------------------

# (a) E[y_L], as a symbolic answer.
OUTPUT_MEAN = "0"  # SOLUTION


def output_variance(widths):
    """(b) Var(y_L) for input widths ``widths = [n_0, ..., n_{L-1}]``.

    Returns a Python or NumPy float. Hint: write v_l = Var(y_l) and find
    v_l in terms of v_{l-1}.
    """
    # BEGIN SOLUTION
    v = np.float32(1)
    for n in widths:
        v = v / 3 + 1 / (3 * n)
    return v
    # END SOLUTION


# ---------------------------------------------------------------------------
# Problem 3 - Residual networks. A residual layer computes
# y_l = sigma(A_l y_{l-1} + b_l) + y_{l-1}.
# ---------------------------------------------------------------------------
def residual_jacobian(A, b, y_prev, sigma_prime):
    """(a) The Jacobian d y_l / d y_{l-1}, an (m, m) NumPy array.

    ``A`` is (m, m), ``b`` and ``y_prev`` are (m,), ``sigma_prime`` is the
    derivative of sigma, applied elementwise to a NumPy array.
    """
    # BEGIN SOLUTION
    import torch as _t
    s = sigma_prime(A @ y_prev + b)
    return _t.from_numpy(s[:, None] * A + np.identity(len(b)))
    # END SOLUTION


def residual_param_grads(As, bs, x, sigma, sigma_prime):
    """(b) Gradients of the scalar output of a residual MLP by backpropagation.

    The network: y_1 = sigma(A_1 x + b_1); y_l = sigma(A_l y_{l-1} + b_l) + y_{l-1}
    for 1 < l < L; y_L = A_L y_{L-1} + b_L, where A_L is (1, m) and b_L is (1,).
    ``As`` and ``bs`` are lists of the L weight matrices and bias vectors.

    Return two lists ``(dAs, dbs)`` shaped like ``As`` and ``bs`` holding
    dy_L/dA_l and dy_L/db_l. Use the formulas from class, not autograd.
    """
    # BEGIN SOLUTION
    ys, zs = [x], []
    for layer, (A, b) in enumerate(zip(As[:-1], bs[:-1])):
        zs.append(A @ ys[-1] + b)
        ys.append(sigma(zs[-1]) + (ys[-1] if layer > 0 else 0.0))
    dAs, dbs = [None] * len(As), [None] * len(bs)
    dAs[-1], dbs[-1] = ys[-1][None, :].copy(), np.ones_like(bs[-1])
    upstream = As[-1][0]
    for layer in range(len(As) - 2, -1, -1):
        delta = upstream * sigma_prime(zs[layer])
        dbs[layer] = delta
        dAs[layer] = np.outer(delta, ys[layer])
        upstream = delta @ As[layer] + upstream if layer > 0 else None
    return dAs, dbs
    # END SOLUTION


# ---------------------------------------------------------------------------
# Problem 4 - ResNeXt. Count the trainable parameters, biases included, of
# (a) the plain bottleneck block: Conv2d 1x1 256->128, Conv2d 3x3 128->128
#     (padding 1), Conv2d 1x1 128->256;
# (b) the split-transform-merge block: 32 branches, each Conv2d 1x1 256->4,
#     Conv2d 3x3 4->4 (padding 1), Conv2d 1x1 4->256, outputs summed.
# ---------------------------------------------------------------------------
PARAMS_PLAIN = (256 * 128 + 128) + (128 * 128 * 9 + 128) + (128 * 256 + 256)  # SOLUTION
PARAMS_STM = 32 * ((256 * 4 + 4) + (4 * 4 * 9 + 4) + (4 * 256 + 256))  # SOLUTION


class STMConvLayer(nn.Module):
    """(c) The split-transform-merge block of (b) as a module.

    No constructor arguments. Each of the 32 branches is Conv2d(256, 4, 1),
    ReLU, Conv2d(4, 4, 3, padding=1), ReLU, Conv2d(4, 256, 1), ReLU; the
    branch outputs are summed, with no ReLU after the sum. Maps
    (N, 256, H, W) to (N, 256, H, W).
    """

    def __init__(self):
        # BEGIN SOLUTION
        super().__init__()
        self.branches = nn.ModuleList(
            nn.Sequential(nn.Conv2d(256, 4, 1), nn.ReLU(), nn.Conv2d(4, 4, 3, padding=1), nn.ReLU(),
                          nn.Conv2d(4, 256, 1), nn.ReLU())
            for _ in range(32))
        # END SOLUTION

    def forward(self, x):
        # BEGIN SOLUTION
        return sum(branch(x) for branch in self.branches)
        # END SOLUTION


# ---------------------------------------------------------------------------
# Problem 5 - Double descent with random ReLU features.
# ---------------------------------------------------------------------------
def solve_lsqr(X, y, lamda):
    """(a) Ridge regression: theta of shape (p,) minimising
    1/2 ||X theta - y||^2 + lamda/2 ||theta||^2 for X (n, p), y (n,).

    Solve the linear system; do not form an inverse, and do not modify X or y.
    """
    # BEGIN SOLUTION
    n, p = X.shape
    A = np.vstack([X, np.sqrt(lamda) * np.eye(p)])
    return np.linalg.lstsq(A, np.concatenate([y, np.zeros(p)]), rcond=None)[0]
    # END SOLUTION


def get_error(X, y, theta):
    """(b) The residual norm ||X theta - y|| (the norm itself, not a mean)."""
    # BEGIN SOLUTION
    r = X.dot(theta) - y
    return float(np.sqrt(r @ r))
    # END SOLUTION


def relu(x):
    """(c) max(x, 0) elementwise on a NumPy array."""
    # BEGIN SOLUTION
    return x * (x > 0)
    # END SOLUTION


def random_features(X, W):
    """(d) The random ReLU features ReLU(X W^T) of the rows of X (n, d), W (p, d)."""
    # BEGIN SOLUTION
    return relu(np.einsum('nd,pd->np', X, W))
    # END SOLUTION


DIM = 35
N_TRAIN, N_VAL, N_TEST = 300, 60, 30
LABEL_NOISE = 0.5
LAMDA_GRID = [2.0 ** i for i in range(-6, 6)]


def draw_double_descent_data(rng):
    """Given: the data of Problem 5, drawn in this order from ``rng``.

    beta ~ N(0, I) normalised; 300 training rows with label noise N(0, 0.5^2);
    60 validation and 30 test rows, noise-free. Returns a dict of arrays.
    """
    beta = rng.standard_normal(DIM)
    beta /= np.linalg.norm(beta)
    data = {}
    for split, n, noise in (("train", N_TRAIN, LABEL_NOISE), ("val", N_VAL, 0.0), ("test", N_TEST, 0.0)):
        X = rng.standard_normal((n, DIM))
        data[f"X_{split}"] = X
        data[f"y_{split}"] = X @ beta + (noise * rng.standard_normal(n) if noise else 0.0)
    return data


def double_descent(num_params, lamda, seed):
    """(e) Test errors of the random-feature ridge model, one per p in ``num_params``.

    Draw the data with ``draw_double_descent_data(np.random.default_rng(seed))``,
    then, from the same generator and for each p in order, W of shape (p, 35)
    with entries N(0, 1/p) (standard deviation 1/sqrt(p)). Fit theta with
    ``solve_lsqr`` on the training features and return the ``get_error`` of the
    test features as a NumPy array.

    ``lamda`` a number: use it for every p. ``lamda=None``: for each p, pick
    the lamda in ``LAMDA_GRID`` with the smallest validation error.
    """
    # BEGIN SOLUTION
    rng = np.random.default_rng(seed)
    data = draw_double_descent_data(rng)
    errors = []
    for p in num_params:
        W = rng.standard_normal((p, DIM)) / np.sqrt(p)
        F_train, F_val, F_test = (random_features(data[f"X_{s}"], W) for s in ("train", "val", "test"))
        candidates = LAMDA_GRID if lamda is None else [lamda]
        thetas = [solve_lsqr(F_train, data["y_train"], lam) for lam in candidates]
        best = min(thetas, key=lambda theta: get_error(F_val, data["y_val"], theta))
        errors.append(get_error(F_test, data["y_test"], best))
    return np.array(errors)
    # END SOLUTION
