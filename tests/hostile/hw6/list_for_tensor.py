# affected: 5.1 5.2 5.3 5.4
# message: tensor | list

class STMConvLayer(STMConvLayer):
    def forward(self, x):
        return x.tolist()
