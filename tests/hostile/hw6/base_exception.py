# affected: 6.7 6.8 6.9
# message: raised BaseException

def random_features(X, W):
    raise BaseException('nope')
