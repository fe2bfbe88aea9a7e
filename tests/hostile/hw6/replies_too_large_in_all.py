# affected: 2.2 2.3 3.1 3.2 6.1 6.2 6.3 6.4 6.5 6.6 6.7 6.8 6.9
# message: should return | differs | shape | is not | of a (5, 7) array | (9, 5) | see check 6.1 | raised

# Every function returns 7 MiB: each reply fits the caps, none is kept, and the grader's memory stays
# bounded; only the checks of these functions lose their points.
import numpy as _np


def _big(*args, **kwargs):
    return _np.ones(7 * 2**20 // 8)


output_variance = residual_jacobian = residual_param_grads = solve_lsqr = get_error = relu = random_features = _big
