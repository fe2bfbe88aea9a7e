# affected: 2.1
# message: could not read

OUTPUT_MEAN = '(' * 140 + '0' + ')' * 140 + ')'
