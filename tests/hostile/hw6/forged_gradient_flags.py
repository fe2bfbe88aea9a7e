# affected: 5.4
# message: carries no gradient

# forward's output is detached, so no parameter receives a gradient, and the report claims the old hints
# instead: every parameter "ok". The grader derives the hints from the gradients themselves.
import sys

import torch as _torch

_ReferenceBlock = STMConvLayer  # noqa: F821 - the reference's, defined above


class STMConvLayer(_ReferenceBlock):
    def forward(self, x):
        return super().forward(x).detach()


_probes = sys.modules.get('autograder.sandbox.probes')
if _probes is not None:
    _real = _probes.PROBES["forward"]

    def _forward(module, req, phase):
        report = _real(module, req, phase)
        if report.get("is_module"):
            report["grads"] = {name: "ok" for name, _ in report["parameters"]}
        return report

    _probes.PROBES["forward"] = _forward
