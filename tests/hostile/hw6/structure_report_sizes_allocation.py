# affected: 5.1 5.2 5.3 5.4
# message: far more than

# The module report claims a handful of parameters but lists four of shape (8192, 8192): the grader would
# draw 256 Mi weights for each. It computes the count from the shapes itself and refuses.
import sys

_probes = sys.modules.get('autograder.sandbox.probes')
if _probes is not None:
    _real = _probes._structure

    def _structure(obj):
        report = _real(obj)
        if report.get("is_module"):
            report["parameters"] = [[f"w{i}", [8192, 8192]] for i in range(4)]
            report["num_parameters"] = 10
        return report

    _probes._structure = _structure
