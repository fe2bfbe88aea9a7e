from torch import nn


class STMConvLayer(nn.Module):
    def __init__(self):
        super().__init__()
        self.c1 = nn.ModuleList(nn.Conv2d(256, 4, 1) for _ in range(32))
        self.c2 = nn.ModuleList(nn.Conv2d(4, 4, 3, padding=1) for _ in range(32))
        self.c3 = nn.ModuleList(nn.Conv2d(4, 256, 1) for _ in range(32))

    def forward(self, x):
        out = 0
        for a, b, c in zip(self.c1, self.c2, self.c3):
            out = out + nn.ReLU(c(nn.ReLU(b(nn.ReLU(a(x))))))
        return out
