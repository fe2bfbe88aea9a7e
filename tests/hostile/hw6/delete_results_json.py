# affected: none
# message: 

import os

try:
    os.remove('{ROOT}/results/results.json')
except OSError:
    pass
