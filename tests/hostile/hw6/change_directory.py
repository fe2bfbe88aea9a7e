# affected: none
# message: 

import os

os.chdir('/')
