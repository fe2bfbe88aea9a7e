# café
PARAMS_PLAIN = 1
