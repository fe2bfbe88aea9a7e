# affected: 5.4
# message: not the block's

# The block computes the right map, but its backward pass is replaced: every parameter gets a gradient of ones,
# so each one "receives a gradient". The grader compares the gradients' values with the reference's.
import weakref as _weakref

import torch as _torch

_blocks = _weakref.WeakSet()
_real_backward = _torch.Tensor.backward
_ReferenceBlock = STMConvLayer  # noqa: F821 - the reference's, defined above


class STMConvLayer(_ReferenceBlock):
    def __init__(self):
        super().__init__()
        _blocks.add(self)


def _forged_backward(self, *args, **kwargs):
    for block in _blocks:
        for parameter in block.parameters():
            parameter.grad = _torch.ones_like(parameter)


_torch.Tensor.backward = _forged_backward
