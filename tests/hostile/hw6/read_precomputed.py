# affected: 2.1
# message: PermissionError | FileNotFoundError
# The expected values the zip ships for its secret seed are as secret as the reference.

def _read(path):
    try:
        return open(path, "rb").read(200).decode("latin-1")
    except OSError as exc:
        return type(exc).__name__


OUTPUT_MEAN = _read('{ROOT}/source/precomputed/hw6.json')
print(_read('{ROOT}/source/precomputed/hw6.npz'))
