# affected: 3.1
# message: timed out after

def residual_jacobian(A, b, y_prev, sigma_prime):
    while True:
        pass
