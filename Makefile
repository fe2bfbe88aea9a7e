# Two commands on a fresh machine: `make example` grades an example submission and prints the score
# table; `make test` runs the whole test suite. Each makes the virtual environment it needs.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
# The CPU build of torch, as on Gradescope: PyPI's default Linux wheel pulls several GB of CUDA libraries.
# PyTorch's CPU index has it for Linux and Windows; macOS wheels are CPU-only under the plain version. The
# sources pip is configured with are tried first (a +cpu version is never PyPI's CUDA build): a wheel cache or
# mirror that has it spares every dependency a lookup on the CPU index.
TORCH_INDEX := https://download.pytorch.org/whl/cpu
TORCH := $(if $(filter Darwin,$(shell uname -s)),torch==2.13.0,torch==2.13.0+cpu)

.PHONY: example test bench zip

$(VENV)/installed: requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet '$(TORCH)' 2>/dev/null || $(PY) -m pip install --quiet --extra-index-url $(TORCH_INDEX) '$(TORCH)'
	$(PY) -m pip install --quiet -e '.[test]'
	touch $@

example: $(VENV)/installed
	$(PY) -m autograder grade hw6 examples/hw6.py

test: $(VENV)/installed
	$(PY) -m pytest -q

bench: $(VENV)/installed
	$(PY) bench/grade_time.py --runs 5 --busy

zip: $(VENV)/installed
	$(PY) -m autograder build hw6
