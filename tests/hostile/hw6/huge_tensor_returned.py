# affected: 6.6 6.7 6.8 6.9
# message: limit is 8 MiB | raised

import numpy as np


def relu(x):
    return np.zeros(100 * 2**20 // 8)
