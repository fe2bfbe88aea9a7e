# affected: none
# message:
# Reads, at import, whatever of the grader's it can name (this assignment's reference and checks, the
# precomputed values, Gradescope's metadata, other processes' environments) and prints it: nothing may come
# back, and every check keeps its points.
import os as _os


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
