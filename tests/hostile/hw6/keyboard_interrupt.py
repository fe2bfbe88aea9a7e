# affected: 6.6 6.7 6.8 6.9
# message: raised KeyboardInterrupt

def relu(x):
    raise KeyboardInterrupt
