# affected: all
# message: timed out
# Never finishes importing: the import's time limit ends it, every check says why once, and nothing is left.
while True:
    pass
