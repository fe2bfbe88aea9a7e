# affected: 2.1
# message: PermissionError | FileNotFoundError

def _read(path):
    try:
        return open(path).read()
    except OSError as exc:
        return type(exc).__name__


OUTPUT_MEAN = _read('{ROOT}/source/reference/hw6.py')
print(_read('{ROOT}/source/reference/hw6.py'))
