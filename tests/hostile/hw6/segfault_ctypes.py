# affected: 6.5 6.8 6.9
# message: segmentation fault

import ctypes


def get_error(X, y, theta):
    return ctypes.string_at(0)
