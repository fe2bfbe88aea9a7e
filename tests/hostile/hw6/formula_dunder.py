# affected: 2.1
# message: only these functions are allowed

OUTPUT_MEAN = "().__class__.__mro__[1].__subclasses__()"
