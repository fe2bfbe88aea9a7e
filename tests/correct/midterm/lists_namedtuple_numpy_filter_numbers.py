"""Mathematical Foundations of DNN, midterm: optimisers, convolutions, initialisation.

Answer in code: functions return their values, and answers are constants.
Symbolic answers are strings SymPy can read (``"n_in*sigma_A^2/2"``).
Submit this file as ``midterm.py``.
"""
import numpy as np
import torch
from torch import nn

# ---------------------------------------------------------------------------
# Problem 1 - Adam without bias correction:
#   m_t = b1 m_{t-1} + (1 - b1) g_t,  v_t = b2 v_{t-1} + (1 - b2) g_t^2,
#   theta_t = theta_{t-1} - lr m_t / (sqrt(v_t) + eps).
# ---------------------------------------------------------------------------


def adam_params_for_rmsprop(beta2, eps):
    """(a) (beta1, beta2, eps) making Adam the same as RMSProp with decay beta2 and epsilon eps:
    v_t = beta2 v_{t-1} + (1 - beta2) g_t^2, theta_t = theta_{t-1} - lr g_t / (sqrt(v_t) + eps)."""
    # BEGIN SOLUTION
    return [0, beta2, eps]
    # END SOLUTION


def adam_params_for_signsgd():
    """(b) (beta1, beta2, eps) making Adam the same as signSGD: theta_t = theta_{t-1} - lr sign(g_t)."""
    # BEGIN SOLUTION
    from collections import namedtuple
    return namedtuple('H', 'beta1 beta2 eps')(0, 0, 0.)
    # END SOLUTION


# ---------------------------------------------------------------------------
# Problem 2 - Convolutions.
# ---------------------------------------------------------------------------

# (a) Are conv -> maxpool -> ReLU, conv -> ReLU -> maxpool and
#     conv -> ReLU -> maxpool -> ReLU the same map? True or False.
MAXPOOL_RELU_EQUIVALENT = np.bool_(True)  # SOLUTION


def identity_conv_filter(C):
    """(b) ``(weight, bias)`` tensors for ``Conv2d(C, C, 3, padding=1)`` such that the
    convolution is the identity map: weight of shape (C, C, 3, 3), bias of shape (C,)."""
    # BEGIN SOLUTION
    weight = np.zeros((C, C, 3, 3), dtype=np.float32)
    for c in range(C):
        weight[c, c] = np.array([[0, 0, 0], [0, 1, 0], [0, 0, 0]])
    return weight, np.zeros(C)
    # END SOLUTION




def _mlpconv(in_channels, widths, kernel):
    """A kernel x kernel convolution that keeps the size, then 1x1 convolutions; ReLU after each; no biases."""
    layers = []
    for i, width in enumerate(widths):
        size = kernel if i == 0 else 1
        layers += [nn.Conv2d(in_channels, width, size, padding=size // 2, bias=False), nn.ReLU()]
        in_channels = width
    return layers


class NiN(nn.Module):
    """Given: the network of (c) and (d), Network in Network for 32x32 CIFAR-10 images, without biases.

    Three blocks, each a convolution (5x5, 5x5, 3x3, padding keeping the size)
    and two 1x1 convolutions, ReLU after each. Blocks 1 and 2 end in a 3x3
    pool of stride 2 with ``ceil_mode=True`` (max, then average), so the maps
    go 32 -> 16 -> 8, and in dropout. The logits are the global average of
    block 3. ``stages(x)`` returns ``{"out1": (N, 96, 16, 16), "out2":
    (N, 192, 8, 8), "out3": (N, 10, 8, 8)}``, the output of each block.
    """

    def __init__(self):
        super().__init__()
        self.block1 = nn.Sequential(*_mlpconv(3, (192, 160, 96), 5), nn.MaxPool2d(3, 2, ceil_mode=True),
                                    nn.Dropout(0.5))
        self.block2 = nn.Sequential(*_mlpconv(96, (192, 192, 192), 5), nn.AvgPool2d(3, 2, ceil_mode=True),
                                    nn.Dropout(0.5))
        self.block3 = nn.Sequential(*_mlpconv(192, (192, 192, 10), 3))

    def stages(self, x):
        out1 = self.block1(x)
        out2 = self.block2(out1)
        return {"out1": out1, "out2": out2, "out3": self.block3(out2)}

    def forward(self, x):
        return self.stages(x)["out3"].mean(dim=(2, 3))


def one_hot_input():
    """Given: the input X of (c), shape (1, 3, 32, 32), zero except X[0, 0, 19, 19] = 1 (0-based)."""
    X = torch.zeros(1, 3, 32, 32)
    X[0, 0, 19, 19] = 1.0
    return X


def nin_nonzero(name):
    """(c) For X = one_hot_input() into NiN() in eval mode: the set of spatial positions (j, k), 0-based,
    at which the output ``name`` ("out1", "out2" or "out3") can be nonzero in some channel, for some
    weights. A set of pairs of ints, e.g. {(0, 0), (0, 1)}."""
    # BEGIN SOLUTION
    # A k x k convolution keeping the size widens the support by k // 2 on each side; a 3x3 pool of
    # stride 2 in ceil mode sends the rows lo..hi to ceil((lo - 2) / 2) .. floor(hi / 2).
    lo, hi, size = 19, 19, 32
    for stage, kernel, pooled in (("out1", 5, True), ("out2", 5, True), ("out3", 3, False)):
        lo, hi = max(lo - kernel // 2, 0), min(hi + kernel // 2, size - 1)
        if pooled:
            size = -(-(size - 3) // 2) + 1
            lo, hi = max(-(-(lo - 2) // 2), 0), min(hi // 2, size - 1)
        if stage == name:
            return sorted([j, k] for j in range(lo, hi + 1) for k in range(lo, hi + 1))
    raise ValueError(f"name must be 'out1', 'out2' or 'out3', not {name!r}")
    # END SOLUTION


# (d) X' is X shifted by 4 pixels. Are NiN's outputs for X and X' exactly
#     equal? True or False.
NIN_SHIFT_EXACT = 0  # SOLUTION

# ---------------------------------------------------------------------------
# Problem 3 - Zero initialisation. A tanh MLP with layers A_1, b_1, ..., A_L, b_L,
# all initialised to zero, trained by gradient descent on
# 1/2 sum_i (f(X_i) - Y_i)^2.
# ---------------------------------------------------------------------------

# (a) Which parameters move? A set of names written like "A_1" or "b_L".
ZERO_INIT_MOVING = ["b_L"]  # SOLUTION


def zero_init_limit(Y):
    """(b) The value b_L converges to, for the targets ``Y`` (a NumPy array), as a float."""
    # BEGIN SOLUTION
    return Y.sum() / Y.size
    # END SOLUTION


# ---------------------------------------------------------------------------
# Problem 4 - He initialisation. y is symmetric with mean 0 and variance 1,
# x = ReLU(y); then y+ = A x with A of n_in columns, entries of variance sigma_A^2.
# ---------------------------------------------------------------------------
HE_X_SQUARED = 0.5  # SOLUTION
HE_YPLUS_SQUARED = "0.5 * sigma_A**2 * n_in"  # SOLUTION
