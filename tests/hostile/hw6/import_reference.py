# affected: 2.1
# message: not equivalent

try:
    import reference.hw6 as _ref
    OUTPUT_MEAN = 'stolen'
except Exception as _e:
    OUTPUT_MEAN = '1'
try:
    from autograder.assignments import hw6 as _checks
    OUTPUT_MEAN = 'stolen'
except Exception:
    pass
