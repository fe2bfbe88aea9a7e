# affected: 6.5 6.8 6.9
# message: exit status 7

import os


def get_error(X, y, theta):
    os._exit(7)
