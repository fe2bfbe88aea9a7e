# affected: 2.2 2.3
# message: timed out after

import time


def output_variance(widths):
    time.sleep(3600)
