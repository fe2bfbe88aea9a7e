# affected: 5.1 5.2 5.3 5.4
# message: timed out after

from torch import nn


class STMConvLayer(STMConvLayer):
    def forward(self, x):
        while True:
            pass
