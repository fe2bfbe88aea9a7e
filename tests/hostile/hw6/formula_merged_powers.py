# affected: 2.1
# message: digits

OUTPUT_MEAN = '(((9^99)^99)^99)^99'
