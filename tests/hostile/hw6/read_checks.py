# affected: 2.1
# message: PermissionError | FileNotFoundError

import os

try:
    OUTPUT_MEAN = open('{ROOT}/source/autograder/assignments/hw6.py').read()
except OSError as _e:
    OUTPUT_MEAN = type(_e).__name__
try:
    os.listdir('{ROOT}/submission')
except OSError:
    pass
