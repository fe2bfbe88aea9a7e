import numpy as np


def residual_param_grads(As, bs, x, sigma, sigma_prime):
    # Mistake under test: the derivative of tanh is hard-coded, so sigmoid networks come out wrong.
    ys, zs = [x], []
    for layer, (A, b) in enumerate(zip(As[:-1], bs[:-1])):
        zs.append(A @ ys[-1] + b)
        ys.append(sigma(zs[-1]) + (ys[-1] if layer > 0 else 0.0))
    dAs, dbs = [None] * len(As), [None] * len(bs)
    dAs[-1], dbs[-1] = ys[-1][None, :], np.ones_like(bs[-1])
    upstream = As[-1][0]
    for layer in range(len(As) - 2, -1, -1):
        delta = upstream * (1 - np.tanh(zs[layer]) ** 2)
        dbs[layer], dAs[layer] = delta, np.outer(delta, ys[layer])
        if layer:
            upstream = delta @ As[layer] + upstream
    return dAs, dbs
