# affected: 2.1
# message: not a plausible answer

OUTPUT_MEAN = 'sin(exp(exp(20)))'
