"""Deep Learning, Homework 2: teacher-student risk, backpropagation by hand, VGG-11, He initialisation.

NumPy in, NumPy (or Python numbers) out. Submit this file as ``dl_hw2.py``.
"""
import numpy as np


def teacher_student_risk(w, w_t):
    """Problem 1. The risk R(w) = E ||w^T x - w_t^T x||^2 of a student w against a
    teacher w_t, for x ~ N(0, I), as an exact number (not a sample average)."""
    raise NotImplementedError


def _sigmoid(z):
    """Given: the logistic function."""
    return 1.0 / (1.0 + np.exp(-z))


def backprop_step(x, t, w, b, lr):
    """Problem 2. One SGD step on E = 1/2 sum_k (t_k - o_k)^2 for the network

        h1 = s(w1 x1 + w3 x2 + w5 x3 + b1)    h2 = s(w2 x1 + w4 x2 + w6 x3 + b1)
        o1 = s(w7 h1 + w9 h2 + b2)            o2 = s(w8 h1 + w10 h2 + b2)

    with s the sigmoid. ``x`` has 3 entries, ``t`` 2, ``w`` the 10 weights
    w1..w10 in order and ``b`` the 2 biases b1, b2 (each shared by a layer).
    Return a dict: ``h`` and ``o`` (2 each), ``loss`` (E before the step),
    ``grad_w`` (10) and ``grad_b`` (2), and ``new_w``, ``new_b`` after the
    step w - lr * grad_w, b - lr * grad_b. The homework's numbers: x = (1, 4, 5),
    t = (0.1, 0.05), w = (0.1, 0.2, ..., 0.9, 0.1), b = (0.5, 0.5), lr = 0.01.
    """
    raise NotImplementedError


VGG11_LAYERS = ["conv1", "conv2", "conv3", "conv4", "conv5", "conv6", "conv7", "conv8", "fc1", "fc2", "fc3"]


def vgg11_param_counts():
    """Problem 3. The trainable parameters, biases included, of each layer of VGG-11
    (configuration A: 3x3 convolutions with 64, 128, 256, 256, 512, 512, 512, 512
    channels, max pooling after the 1st, 2nd, 4th, 6th and 8th, then fully
    connected layers of 4096, 4096 and 1000 units) for 224 x 224 x 3 inputs.

    Return a list of (name, count) pairs, one per layer with parameters, named
    as in ``VGG11_LAYERS``.
    """
    raise NotImplementedError


def he_std(fan_in):
    """Problem 4. The standard deviation of He (Kaiming) initialisation for ReLU layers."""
    raise NotImplementedError
