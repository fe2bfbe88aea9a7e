import torch
from torch import nn


class STMConvLayer(nn.Module):
    def __init__(self):
        super().__init__()
        self.branches = [nn.Sequential(nn.Conv2d(256, 4, 1), nn.ReLU(), nn.Conv2d(4, 4, 3, padding=1), nn.ReLU(),
                                       nn.Conv2d(4, 256, 1), nn.ReLU()) for _ in range(32)]

    def forward(self, x):
        return sum(b(x) for b in self.branches)
