# affected: 2.1
# message: only these functions are allowed

OUTPUT_MEAN = "__import__('os').system('id')"
