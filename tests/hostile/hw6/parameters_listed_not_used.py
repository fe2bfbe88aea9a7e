# affected: 5.1 5.2 5.3 5.4
# message: does not use the parameters | differs from the reference | carries no gradient | a * input + b

# named_parameters() lists 192 tensors of the right shapes, registered nowhere and used by nothing, and
# forward returns 2*x: the shapes alone earn nothing.
import torch as _torch
from torch import nn as _nn


class STMConvLayer(_nn.Module):
    def __init__(self):
        super().__init__()
        shapes = [(4, 256, 1, 1), (4,), (4, 4, 3, 3), (4,), (256, 4, 1, 1), (256,)] * 32
        self._fake = [_torch.zeros(s, requires_grad=True) for s in shapes]

    def named_parameters(self, *args, **kwargs):
        return iter([(f"p{i}", t) for i, t in enumerate(self._fake)])

    def parameters(self, *args, **kwargs):
        return iter(self._fake)

    def forward(self, x):
        return 2 * x
