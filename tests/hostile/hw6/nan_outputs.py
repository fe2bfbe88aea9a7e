# affected: 6.6 6.7 6.8 6.9
# message: NaN or infinite | p=None | below

import numpy as np


def relu(x):
    return np.full_like(x, np.nan)


def random_features(X, W):
    return np.full((X.shape[0], W.shape[0]), np.inf)
