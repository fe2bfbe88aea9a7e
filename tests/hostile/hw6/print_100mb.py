# affected: 6.7 6.8 6.9
# message: File too large

import sys


def random_features(X, W):
    for _ in range(100):
        sys.stdout.write('x' * 2**20)
        sys.stdout.flush()
