# affected: 6.6 6.7 6.8 6.9
# message: died
# root_only: yes

# Rename the work folder and plant a link to the grader in its place; the crash below makes the
# grader start a new worker, which must not follow the link.
import os

here = os.getcwd()
try:
    os.rename(here, here + "-moved")
    os.symlink('{ROOT}/source', here)
except OSError:
    pass


def relu(x):
    os._exit(1)
