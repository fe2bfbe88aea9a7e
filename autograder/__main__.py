"""``python -m autograder`` and the installed ``mathdnn-autograder`` command: one entry point, one behaviour."""
import os
import sys

from .environment import ONE_THREAD, grader_environment, should_start_afresh


def main() -> None:
    # One compute thread per grader process, set before NumPy or torch load their pools: a grader's own work is
    # small matrices, and pools sized to every core spin against each other when graders or lanes share a
    # machine. A batch lane sets its share of the cores itself.
    for variable, count in ONE_THREAD.items():
        os.environ.setdefault(variable, count)
    # Start afresh with only the variables the grader needs: its fork server is forked from this process, so
    # that the heavy imports are made and held once, and must not hold a TA's tokens (SECURITY.md).
    if should_start_afresh():
        os.execve(sys.executable, sys.orig_argv, grader_environment(os.environ))

    from .cli import main as command_line

    status = command_line()
    from .forked import stop_judge
    stop_judge()  # ended and waited for: nothing the grader started outlives it
    # Every file is written and closed by now; the interpreter's own teardown of torch and SymPy would add about
    # 0.3 s (a quarter of `import torch`) to every command and do nothing for it.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(status)


if __name__ == "__main__":
    main()
