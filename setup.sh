#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder image
# (Ubuntu 22.04). It installs the grader beside the system Python, which
# Gradescope's own harness needs. Student code runs as a uid of its own that
# needs no account (autograder/sandbox/confine.py).
set -euo pipefail
SOURCE=/autograder/source
PREFIX=/opt/mathdnn-autograder
LOCK="$SOURCE/requirements.lock"

# The Python and the exact library versions the zip was built and tested with (requirements.lock, written by
# `build`): its precomputed expected values are used only with the same NumPy and torch.
WANT=$(sed -n 's/^# python \([0-9.]*\):.*/\1/p' "$LOCK" 2>/dev/null || true)
apt-get update
if [ -n "$WANT" ] && apt-get install -y --no-install-recommends "python$WANT" "python$WANT-venv"; then
    PYTHON="python$WANT"
    REQUIREMENTS="$LOCK"
else
    apt-get install -y --no-install-recommends python3-venv python3-pip
    PYTHON=python3
    REQUIREMENTS="$SOURCE/requirements.txt"
    echo "note for staff: python$WANT is not available here; installing requirements.txt instead of the lock," \
         "so precomputed expected values may not be used (grades are the same, each submission takes longer)"
fi
"$PYTHON" -m venv "$PREFIX/venv"
"$PREFIX/venv/bin/python" -m pip install --upgrade pip
# The CPU wheel: PyPI's default torch for Linux is a multi-GB CUDA build.
"$PREFIX/venv/bin/pip" install --index-url https://download.pytorch.org/whl/cpu "torch==2.13.0+cpu"
"$PREFIX/venv/bin/pip" install -r "$REQUIREMENTS"
# Compiled once here: every submission's container would otherwise compile the grader again (8-10% of a run).
"$PREFIX/venv/bin/python" -m compileall -q "$SOURCE"

chmod 755 "$PREFIX" "$PREFIX/venv"
chmod 700 "$SOURCE"
