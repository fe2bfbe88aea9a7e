# affected: none
# message: 

import os

os.environ['AUTOGRADER_MEMORY_MB'] = '999999'
os.environ['AUTOGRADER_TIME_SCALE'] = '1000'
os.environ['PATH'] = '/nonexistent'
