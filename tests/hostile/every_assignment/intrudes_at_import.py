# affected: none
# message:
# At import: reads whatever of the grader's it can name (this assignment's reference and checks, the
# precomputed values, Gradescope's metadata, other processes' environments) and prints it; writes where it
# should not (the results, the grader's files, the world-writable folders); leaves a detached process
# running. Nothing may come back, outlive the grading or change a grade: every check keeps its points.
import os as _os
import time as _time


def _attempt(path):
    try:
        if _os.path.isdir(path):
            return repr(_os.listdir(path))
        with open(path, errors="replace") as fh:
            return fh.read()
    except OSError as exc:
        return type(exc).__name__


for _path in ("{ROOT}/source/reference/{ASSIGNMENT}.py", "{ROOT}/source/autograder/assignments/{ASSIGNMENT}.py",
              "{ROOT}/source/autograder/assignments", "{ROOT}/source/autograder/precomputed", "{ROOT}/source",
              "{ROOT}/submission_metadata.json", "{ROOT}/results", "/proc/1/environ", f"/proc/{_os.getppid()}/environ"):
    print(_path, _attempt(_path)[:20000])
print(dict(_os.environ))
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
