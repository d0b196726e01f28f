# One entry point. `make demo` and `make test` do every set-up step themselves on a fresh machine that has
# Python 3.11, pip and make (browser tests also install Debian's chromium when run as root).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin

.PHONY: install demo test test-fast browser-deps lock bench clean

install: $(VENV)/.installed

$(VENV)/.installed: requirements.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.lock
	$(BIN)/pip install --quiet --no-deps -e .
	touch $@

demo: install
	$(BIN)/nianbao demo

browser-deps:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq chromium >/dev/null; \
	  else echo "chromium missing: run 'sudo apt-get install -y chromium' (browser tests will be skipped)"; fi; }

test: install browser-deps
	$(BIN)/pytest -q

test-fast: install
	$(BIN)/pytest -q -m "not browser and not slow"

# Regenerate the lock file from pyproject (run after changing dependencies).
lock:
	rm -rf /tmp/nianbao-lock && $(PYTHON) -m venv /tmp/nianbao-lock
	/tmp/nianbao-lock/bin/pip install --quiet --upgrade pip
	/tmp/nianbao-lock/bin/pip install --quiet ".[test,dask]"
	/tmp/nianbao-lock/bin/pip freeze --exclude-editable | grep -v '^nianbao' > requirements.lock

bench: install
	$(BIN)/python -m benchmarks.generate --size 60
	$(BIN)/python -m benchmarks.run --size 60 --format xlsx --prefect

clean:
	rm -rf $(VENV) nianbao-demo nianbao-out nianbao-data .pytest_cache
