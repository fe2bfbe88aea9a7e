# affected: 6.5 6.8 6.9
# message: should return a number | cannot read | raised

class _Weird:
    def __float__(self):
        raise RuntimeError('boom')

    def __len__(self):
        return -1


def get_error(X, y, theta):
    return _Weird()
