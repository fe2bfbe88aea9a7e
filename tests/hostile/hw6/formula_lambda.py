# affected: 2.1
# message: lambda

OUTPUT_MEAN = 'lambda: 0'
