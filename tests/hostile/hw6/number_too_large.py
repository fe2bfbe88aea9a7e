# affected: 6.5 6.8 6.9
# message: too large to compare | cannot read

def get_error(X, y, theta):
    return 10**400
