# affected: none
# message: 

import os, time

if os.fork() == 0:
    time.sleep(3600)
    os._exit(0)
