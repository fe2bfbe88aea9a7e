# affected: 2.1
# message: characters long

OUTPUT_MEAN = '1+' * 500000 + '0'
