"""``python -m autograder.sandbox FD [MODULE ...]``: the fork server's process (see forkserver.py)."""
import sys

from .forkserver import main

main(int(sys.argv[1]), tuple(sys.argv[2:]))
