"""Mathematical Foundations of DNN, midterm: optimisers, convolutions, initialisation.

Answer in code: functions return their values, and answers are constants.
Symbolic answers are strings SymPy can read (``"n_in*sigma_A^2/2"``).
Submit this file as ``midterm.py``.
"""
import numpy as np
import torch

# ---------------------------------------------------------------------------
# Problem 1 - Adam without bias correction:
#   m_t = b1 m_{t-1} + (1 - b1) g_t,  v_t = b2 v_{t-1} + (1 - b2) g_t^2,
#   theta_t = theta_{t-1} - lr m_t / (sqrt(v_t) + eps).
# ---------------------------------------------------------------------------


def adam_params_for_rmsprop(beta2, eps):
    """(a) (beta1, beta2, eps) making Adam the same as RMSProp with decay beta2 and epsilon eps:
    v_t = beta2 v_{t-1} + (1 - beta2) g_t^2, theta_t = theta_{t-1} - lr g_t / (sqrt(v_t) + eps)."""
    # BEGIN SOLUTION
    return (0.0, beta2, eps)
    # END SOLUTION


def adam_params_for_signsgd():
    """(b) (beta1, beta2, eps) making Adam the same as signSGD: theta_t = theta_{t-1} - lr sign(g_t)."""
    # BEGIN SOLUTION
    return (0.0, 0.0, 0.0)
    # END SOLUTION


# ---------------------------------------------------------------------------
# Problem 2 - Convolutions.
# ---------------------------------------------------------------------------

# (a) Are conv -> maxpool -> ReLU, conv -> ReLU -> maxpool and
#     conv -> ReLU -> maxpool -> ReLU the same map? True or False.
MAXPOOL_RELU_EQUIVALENT = True  # SOLUTION


def identity_conv_filter(C):
    """(b) ``(weight, bias)`` tensors for ``Conv2d(C, C, 3, padding=1)`` such that the
    convolution is the identity map: weight of shape (C, C, 3, 3), bias of shape (C,)."""
    # BEGIN SOLUTION
    weight = torch.zeros(C, C, 3, 3)
    weight[torch.arange(C), torch.arange(C), 1, 1] = 1.0
    return weight, torch.zeros(C)
    # END SOLUTION


# (c) The network has shifted inputs X and X shifted by 4 pixels. Are its
#     outputs for them exactly equal (up to the same shift)? True or False.
NIN_SHIFT_EXACT = False  # SOLUTION

# ---------------------------------------------------------------------------
# Problem 3 - Zero initialisation. A tanh MLP with layers A_1, b_1, ..., A_L, b_L,
# all initialised to zero, trained by gradient descent on
# 1/2 sum_i (f(X_i) - Y_i)^2.
# ---------------------------------------------------------------------------

# (a) Which parameters move? A set of names written like "A_1" or "b_L".
ZERO_INIT_MOVING = {"b_L"}  # SOLUTION


def zero_init_limit(Y):
    """(b) The value b_L converges to, for the targets ``Y`` (a NumPy array), as a float."""
    # BEGIN SOLUTION
    return float(np.mean(Y))
    # END SOLUTION


# ---------------------------------------------------------------------------
# Problem 4 - He initialisation. y is symmetric with mean 0 and variance 1,
# x = ReLU(y); then y+ = A x with A of n_in columns, entries of variance sigma_A^2.
# ---------------------------------------------------------------------------
HE_X_SQUARED = "1/2"  # SOLUTION
HE_YPLUS_SQUARED = "n_in*sigma_A^2/2"  # SOLUTION
