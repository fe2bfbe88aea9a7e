# affected: all
# message: in importing hw6.py

while True:
    pass
