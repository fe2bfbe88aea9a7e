"""``python -m autograder.sandbox FD SANDBOX_ONLY``: the fork server's process (see forkserver.py); the
modules it imports for student code alone, comma-separated."""
import sys

from .forkserver import main

main(int(sys.argv[1]), tuple(filter(None, sys.argv[2].split(","))))
