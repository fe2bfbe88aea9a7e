# affected: 6.6 6.7 6.8 6.9
# message: raised SystemExit

import sys


def relu(x):
    sys.exit(0)
