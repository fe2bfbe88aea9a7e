"""``python -m autograder.sandbox FD SHARED SANDBOX_ONLY``: the fork server's process (see forkserver.py);
the modules it imports, comma-separated."""
import sys

from .forkserver import main

main(int(sys.argv[1]), *(tuple(filter(None, arg.split(","))) for arg in sys.argv[2:4]))
