DROPOUT_COMMUTES = {"ReLU": True, "Sigmoid": True, "LeakyReLU": True}
OUTPUT_MEAN = "1/2"
