import numpy as np


def solve_lsqr(X, y, lamda):
    return np.linalg.solve(X.T @ X + lamda * np.eye(X.shape[1]), X.T @ y.reshape(-1, 1))
