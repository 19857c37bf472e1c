# The few targets people type.  `make translate` and `make test` do all set-up
# (a virtual environment in .venv) on a fresh machine with Python 3.11.

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
# The model to translate with: a hub id (downloaded on first use) or a folder.
MODEL  ?= Helsinki-NLP/opus-mt-el-en
SEED   ?= seeds/skai-russia-north-korea-shoigu-pyongyang.el.txt
FORMAT ?= text
# Converted CTranslate2 models are kept in the repo's local model store.
export EL2EN_MODELS_DIR ?= $(CURDIR)/models

.PHONY: translate tools test test-fast docs lint typecheck bench bench-segmentation bench-throughput bench-batch bench-ray screenshot fixture clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# torch is pinned here, not in setup.cfg: torch==2.13.0 is the CPU build;
# a looser requirement can pull a multi-GB CUDA build.
$(VENV)/.installed: setup.cfg pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q torch==2.13.0
	$(BIN)/python -m pip install -q -e '.[test,dev,bench,ray]'
	touch $@

translate: $(VENV)/.installed
	$(BIN)/el2en translate $(SEED) --model $(MODEL) --format $(FORMAT)

# The programs the tests drive (chromium, omegat, LibreOffice), from Debian, when missing.
tools:
	bash scripts/install-tools.sh

test: $(VENV)/.installed tools
	$(BIN)/python -m pytest -q

# The quick loop: leaves out the tests marked slow (over ~5 s each) and the Ray cluster tests.
test-fast: $(VENV)/.installed
	$(BIN)/python -m pytest -q -m "not slow and not ray"

# Regenerate docs/cli.md from the Click commands (tests/test_docs.py fails when it is stale).
docs: $(VENV)/.installed
	$(BIN)/python scripts/cli_docs.py

lint: $(VENV)/.installed
	$(BIN)/ruff check translate tests scripts benchmarks
	$(BIN)/ruff format --check translate tests scripts benchmarks
	$(BIN)/python scripts/cli_docs.py --check

typecheck: $(VENV)/.installed
	$(BIN)/mypy

bench: bench-segmentation bench-throughput bench-batch bench-ray

bench-segmentation: $(VENV)/.installed
	$(BIN)/python benchmarks/segmentation.py --data ../shared/data/ud-greek-gdt

bench-throughput: $(VENV)/.installed
	$(BIN)/python benchmarks/throughput.py

bench-batch: $(VENV)/.installed
	$(BIN)/python benchmarks/batch.py

bench-ray: $(VENV)/.installed
	$(BIN)/python benchmarks/ray_engine.py

screenshot: $(VENV)/.installed
	$(BIN)/python scripts/screenshot.py

# Rebuild the committed test model (deterministic; a few minutes).
fixture: $(VENV)/.installed
	$(BIN)/python scripts/make_test_model.py

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .mypy_cache .ruff_cache
