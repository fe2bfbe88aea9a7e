# affected: 5.1 5.2 5.3 5.4
# message: malformed reply

# The forward report is rewritten: every gradient a vector of 7 ones, whatever its parameter's shape. Each
# gradient must have its parameter's shape, so the reply is refused as malformed.
import sys

import numpy as _np

_probes = sys.modules.get('autograder.sandbox.probes')
if _probes is not None:
    _real = _probes.PROBES["forward"]

    def _forward(module, req, phase):
        report = _real(module, req, phase)
        if "gradients" in report:
            report["gradients"] = {name: _np.ones(7, dtype=_np.float32) for name in report["gradients"]}
        return report

    _probes.PROBES["forward"] = _forward
