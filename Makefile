# The two set-up commands (see README): `make ask` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
Q      ?= what did India and Russia agree on defence?
# llama-cpp-python compiles llama.cpp on first install; qa never loads its multimodal
# library (mtmd), so it is left out: 15% less to compile (measured, README).
LLAMA_CMAKE_ARGS ?= -DLLAVA_BUILD=OFF

.PHONY: ask test check lint bench guard ocr train fit

ask: $(VENV)/.installed  ## install into .venv, index seeds/ (a no-op when unchanged), answer $(Q)
	@$(VENV)/bin/qa ingest
	@$(VENV)/bin/qa ask "$(Q)"

test: $(VENV)/.installed-test  ## install test extras, run the whole suite (real models included)
	$(PY) -m pytest -q

ocr: $(VENV)/.installed  ## add the OCR extra: scanned PDF pages and images are read
	$(PY) -m pip install -q -e '.[ocr]'

bench: $(VENV)/.installed  ## speed, memory and quality figures into bench/RESULTS.md (~2 min)
	$(PY) -m pip install -q -e '.[bench]'
	$(PY) bench/run.py

guard: $(VENV)/.installed-test  ## retrain qa/models/instruction_guard.npy and its card (~5 min)
	$(PY) bench/train_guard.py

train: $(VENV)/.installed-test  ## retrain qa/models/ranker.onnx, calibrate it, write its card (~45 min)
	$(PY) bench/train_ranker.py
	$(PY) bench/calibrate_ranker.py

fit: $(VENV)/.installed-test  ## refit the small models (intent.json, evidence.json) and their cards (~12 min)
	$(PY) bench/fit_intent.py
	$(PY) bench/fit_evidence.py

check: $(VENV)/.installed-test  ## lint, format, types and the fast tests (~2 min)
	$(PY) -m ruff check qa tests bench
	$(PY) -m ruff format --check qa tests bench
	$(PY) -m mypy
	$(PY) -m pytest -q -m "not slow"

lint: $(VENV)/.installed-test
	$(PY) -m ruff check qa tests bench

$(VENV)/.installed: pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q torch==2.13.0
	CMAKE_ARGS="$(LLAMA_CMAKE_ARGS) $$CMAKE_ARGS" $(PY) -m pip install -q -e .
	@touch $@

$(VENV)/.installed-test: $(VENV)/.installed
	$(PY) -m pip install -q -e '.[test]'
	@touch $@
