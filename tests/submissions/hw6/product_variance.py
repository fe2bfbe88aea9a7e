import numpy as np


def output_variance(widths):
    return float(np.prod([(n + 1) / (3 * n) for n in widths]))
