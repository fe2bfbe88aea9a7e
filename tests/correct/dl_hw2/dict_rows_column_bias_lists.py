"""Deep Learning, Homework 2: teacher-student risk, backpropagation by hand, VGG-11, He initialisation.

NumPy in, NumPy (or Python numbers) out. Submit this file as ``dl_hw2.py``.
"""
import numpy as np


def teacher_student_risk(w, w_t):
    """Problem 1. The risk R(w) = E ||w^T x - w_t^T x||^2 of a student w against a
    teacher w_t, for x ~ N(0, I), as an exact number (not a sample average)."""
    # BEGIN SOLUTION
    import torch
    return torch.tensor(np.sum((np.asarray(w) - np.asarray(w_t)) ** 2))
    # END SOLUTION


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
    # BEGIN SOLUTION
    x, t, w, b = (np.asarray(v, dtype=float) for v in (x, t, w, b))
    hidden = np.array([[w[0], w[2], w[4]], [w[1], w[3], w[5]]])
    output = np.array([[w[6], w[8]], [w[7], w[9]]])
    h = _sigmoid(hidden @ x + b[0])
    o = _sigmoid(output @ h + b[1])
    delta_o = (o - t) * o * (1 - o)
    delta_h = (output.T @ delta_o) * h * (1 - h)  # each hidden unit feeds both outputs
    grad_hidden, grad_output = np.outer(delta_h, x), np.outer(delta_o, h)
    grad_w = np.array([grad_hidden[0, 0], grad_hidden[1, 0], grad_hidden[0, 1], grad_hidden[1, 1],
                       grad_hidden[0, 2], grad_hidden[1, 2], grad_output[0, 0], grad_output[1, 0],
                       grad_output[0, 1], grad_output[1, 1]])
    grad_b = np.array([delta_h.sum(), delta_o.sum()])  # a shared bias collects the gradient of each use
    return dict(h=h.tolist(), o=tuple(o), loss=np.array(0.5 * np.sum((t - o) ** 2)), grad_w=list(grad_w),
                grad_b=grad_b.reshape(2, 1), new_w=(w - lr * grad_w).astype(np.float32), new_b=list(b - lr * grad_b))
    # END SOLUTION


VGG11_LAYERS = ["conv1", "conv2", "conv3", "conv4", "conv5", "conv6", "conv7", "conv8", "fc1", "fc2", "fc3"]


def vgg11_param_counts():
    """Problem 3. The trainable parameters, biases included, of each layer of VGG-11
    (configuration A: 3x3 convolutions with 64, 128, 256, 256, 512, 512, 512, 512
    channels, max pooling after the 1st, 2nd, 4th, 6th and 8th, then fully
    connected layers of 4096, 4096 and 1000 units) for 224 x 224 x 3 inputs.

    Return a list of (name, count) pairs, one per layer with parameters, named
    as in ``VGG11_LAYERS``.
    """
    # BEGIN SOLUTION
    rows, channels = [], 3
    for name, width in zip(VGG11_LAYERS[:8], [64, 128, 256, 256, 512, 512, 512, 512]):
        rows.append((name, channels * width * 9 + width))
        channels = width
    features = channels * 7 * 7  # five poolings halve 224 to 7
    for name, width in zip(VGG11_LAYERS[8:], [4096, 4096, 1000]):
        rows.append((name, features * width + width))
        features = width
    return {name: np.int64(count) for name, count in rows}
    # END SOLUTION


def he_std(fan_in):
    """Problem 4. The standard deviation of He (Kaiming) initialisation for ReLU layers."""
    # BEGIN SOLUTION
    return float(np.sqrt(2.0 / fan_in))
    # END SOLUTION
