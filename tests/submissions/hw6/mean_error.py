import numpy as np


def get_error(X, y, theta):
    return np.mean((X @ theta - y) ** 2)
