# affected: 2.1
# message: exponents are limited

OUTPUT_MEAN = '2**(10**10**10)'
