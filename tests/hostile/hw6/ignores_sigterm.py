# affected: 3.2
# message: timed out after

import signal

signal.signal(signal.SIGTERM, signal.SIG_IGN)


def residual_param_grads(As, bs, x, sigma, sigma_prime):
    while True:
        pass
