#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder image
# (Ubuntu 22.04). It installs the grader beside the system Python, which
# Gradescope's own harness needs. Student code runs as a uid of its own that
# needs no account (autograder/sandbox/confine.py).
set -euo pipefail
SOURCE=/autograder/source
PREFIX=/opt/mathdnn-autograder

apt-get update
apt-get install -y --no-install-recommends python3-venv python3-pip
python3 -m venv "$PREFIX/venv"
"$PREFIX/venv/bin/pip" install --upgrade pip
# The CPU wheel: PyPI's default torch for Linux is a multi-GB CUDA build.
"$PREFIX/venv/bin/pip" install --index-url https://download.pytorch.org/whl/cpu "torch==2.13.0+cpu"
"$PREFIX/venv/bin/pip" install -r "$SOURCE/requirements.txt"

chmod 755 "$PREFIX" "$PREFIX/venv"
chmod 700 "$SOURCE"
