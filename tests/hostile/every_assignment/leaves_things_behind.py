# affected: none
# message:
# At import, writes where it should not (the results, the grader's files, the world-writable folders) and
# leaves a detached process running: nothing of it may outlive the grading or change a grade.
import os as _os
import time as _time

for _target in ("{ROOT}/results/results.json", "{ROOT}/source/run_autograder", "/tmp/left_by_a_student",
                "/var/tmp/left_by_a_student", "/dev/shm/left_by_a_student"):
    try:
        with open(_target, "w") as _fh:
            _fh.write('{"score": 1000, "tests": []}')
    except OSError:
        pass
if _os.fork() == 0:
    _os.setsid()
    if _os.fork() == 0:
        _time.sleep(3600)
    _os._exit(0)
