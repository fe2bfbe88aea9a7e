# affected: 1.1 1.2 1.3 2.2 2.3 4.1 4.2 6.5 6.8 6.9
# message: 

DROPOUT_COMMUTES = ['ReLU']
PARAMS_PLAIN = '213504'
PARAMS_STM = 78592.5


def output_variance(widths):
    return 'small'


def get_error(X, y, theta):
    return [1, 2]
