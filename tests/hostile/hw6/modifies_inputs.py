# affected: 6.4 6.9
# message: modified X | should stay below

import numpy as np


def solve_lsqr(X, y, lamda):
    theta = np.linalg.solve(X.T @ X + lamda * np.eye(X.shape[1]), X.T @ y)
    X[:] = 0
    return theta
