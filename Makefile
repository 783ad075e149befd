# Every target sets up .venv first (once; again only when the install inputs change).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
BENCH_STAMP := $(VENV)/.bench-installed
# torchvision, for make check-torchvision and make bench only: its own venv, never make test's.
TV_VENV := .venv-torchvision
TV_STAMP := $(TV_VENV)/.installed
TV_CONSTRAINTS := constraints-torchvision-$(shell uname -m).txt

.PHONY: install test test-fast lint bench demo clean check-torchvision check-browser

install: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt --config-settings editable_mode=compat -e '.[dev]'
	touch $(STAMP)

# The pure tests first, in a process that never imports torch (a test that does without its marker fails),
# then the ones that compare with torch.
test: test-fast
	$(BIN)/python -m pytest -q -m "torch and not torchvision"

test-fast: $(STAMP)
	CNNCALC_TESTS_WITHOUT_TORCH=1 $(BIN)/python -m pytest -q -m "not torch and not torchvision"

lint: $(STAMP)
	$(BIN)/ruff check cnncalc tests bench
	$(BIN)/ruff format --check cnncalc tests bench
	$(BIN)/mypy

$(BENCH_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt --config-settings editable_mode=compat -e '.[dev,bench]'
	touch $(BENCH_STAMP)

$(TV_STAMP): pyproject.toml $(TV_CONSTRAINTS)
	test -x $(TV_VENV)/bin/python || $(PYTHON) -m venv $(TV_VENV)
	$(TV_VENV)/bin/python -m pip install --quiet --disable-pip-version-check -c $(TV_CONSTRAINTS) --config-settings editable_mode=compat -e '.[dev,bench,torchvision]'
	touch $(TV_STAMP)

# Every torchvision classification, video and segmentation model against its published figures.
check-torchvision: $(TV_STAMP)
	$(TV_VENV)/bin/python -m pytest -q -m torchvision tests/test_torchvision.py

# Opt-in, never part of make test: plays animations in headless Chromium (Debian: apt-get install chromium), seeks
# them to chosen steps and checks the screenshots' pixels (tests/browser.py); the screenshots go to build/browser/.
check-browser: $(STAMP)
	@command -v chromium >/dev/null || command -v chromium-browser >/dev/null || command -v google-chrome >/dev/null \
		|| { echo "check-browser: no Chromium found (Debian: apt-get install chromium); nothing was checked"; exit 1; }
	$(BIN)/python tests/browser.py

bench: $(BENCH_STAMP) $(TV_STAMP)
	$(BIN)/python -m compileall -q cnncalc
	$(BIN)/python bench/run.py

demo: $(STAMP)
	$(BIN)/cnncalc conv --w 7 --f 3 --s 2

clean:
	rm -rf $(VENV) $(TV_VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis
