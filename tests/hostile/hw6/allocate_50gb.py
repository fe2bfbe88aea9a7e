# affected: 6.6 6.7 6.8 6.9
# message: MemoryError
# root_only: yes

import numpy as np


def relu(x):
    return np.zeros(50 * 2**30 // 8) + 1
