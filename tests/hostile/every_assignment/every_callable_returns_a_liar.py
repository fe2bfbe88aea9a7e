# affected: called
# message: *
# Every function and class of the submission returns an object that claims to equal anything, converts to
# any number and has every attribute: a wrong answer dressed as every right one earns nothing.


class _Liar:
    def __eq__(self, other):
        return True

    def __ne__(self, other):
        return False

    def __float__(self):
        return 0.0

    def __int__(self):
        return 0

    def __len__(self):
        return 1

    def __iter__(self):
        return iter([self])

    def __getattr__(self, name):
        return self

    def __call__(self, *args, **kwargs):
        return self


def _liar(*args, **kwargs):
    return _Liar()


for _name, _value in list(globals().items()):
    if not _name.startswith("_") and getattr(_value, "__module__", None) == __name__ and callable(_value):
        globals()[_name] = _liar
