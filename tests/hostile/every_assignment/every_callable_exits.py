# affected: called
# message: died
# Every function and class of the submission ends the process when called: each check that calls one loses
# its points and says so; the others keep theirs.
import inspect as _inspect
import os as _os


def _exit_instead(*args, **kwargs):
    _os._exit(0)


for _name, _value in list(globals().items()):
    if _name.startswith("_") or getattr(_value, "__module__", None) != __name__:
        continue
    if _inspect.isclass(_value):
        _value.__init__ = _exit_instead
    elif callable(_value):
        globals()[_name] = _exit_instead
