# One entry point. `make demo` and `make test` do every set-up step themselves on a fresh machine that has
# Python 3.11, pip and make (`make test` also installs the Debian packages the tests drive when run as root:
# chromium, LibreOffice writer/calc, CJK fonts, poppler-utils, PostgreSQL, nginx; see system-deps).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
# uv installs the locked packages into the venv (pip resolves and installs the same lock in about four times the
# time); pinned here because it is the installer, not a dependency of nianbao.
UV     := uv==0.13.9

.PHONY: install demo test test-fast lint browser-deps system-deps lock bench bench-commands clean

install: $(VENV)/.installed

$(VENV)/.installed: requirements.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet $(UV)
	$(BIN)/uv pip install --quiet --python $(BIN)/python -r requirements.lock
	$(BIN)/uv pip install --quiet --python $(BIN)/python --no-deps -e .
	touch $@

demo: install
	$(BIN)/nianbao demo

# Debian packages the tests drive for real: Chromium (browser tests), LibreOffice (.doc/.wps/.xls/.et conversion),
# CJK fonts (LibreOffice's PDF export and layout of Chinese text), poppler-utils (PDF reports), PostgreSQL and nginx
# (the production path: a Prefect server on PostgreSQL behind a TLS proxy, tests/operations/test_production.py).
# Installed when root, with one apt-get update and one install for whatever is missing; otherwise one line says what
# to install.
SYSTEM_PKGS := chromium libreoffice-writer-nogui libreoffice-calc-nogui fonts-noto-cjk poppler-utils postgresql nginx

system-deps:
	@missing=""; for p in $(SYSTEM_PKGS); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then echo "installing:$$missing"; \
	    apt-get update -qq && apt-get install -y -qq $$missing >/dev/null; \
	  else echo "missing Debian packages:$$missing -- run 'sudo apt-get install -y$$missing' (their tests will be skipped)"; fi; fi

browser-deps: system-deps

# The house's tooling runs first: ruff (lint and format) over the tree, mypy (strict on schemas/ and warehouse/,
# the rest ordinary; pyproject.toml [tool.mypy]), then the tests.
lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

test: install system-deps lint
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

bench-commands: install  # the commands users run, as processes (benchmarks/README.md, "Whole commands")
	$(BIN)/python -m benchmarks.generate --size 60 --format xlsx
	$(BIN)/python -m benchmarks.generate --size 10000 --format json
	$(BIN)/python -m benchmarks.commands --size 60 --format xlsx --repeat 3 --json benchmarks/data/commands-60-xlsx.json
	$(BIN)/python -m benchmarks.commands --size 10000 --format json --commands consolidate,server --repeat 3 \
		--json benchmarks/data/commands-10000-json.json

clean:
	rm -rf $(VENV) nianbao-demo nianbao-out nianbao-data .pytest_cache
