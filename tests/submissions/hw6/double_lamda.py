import numpy as np


def solve_lsqr(X, y, lamda):
    return np.linalg.solve(X.T @ X + 2 * lamda * np.eye(X.shape[1]), X.T @ y)
