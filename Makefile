# Two commands matter: `make run` and `make test`. Everything they need is installed from here.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
UV_VERSION := 0.13.9
export PYTHONPATH := $(CURDIR)
export FLASK_APP := portfolio

.PHONY: run test install install-test tools node-verifier lint unit migrate seed bench clean lock

$(BIN)/uv:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

# --compile-bytecode: where PYTHONDONTWRITEBYTECODE is set (it is here), Python would otherwise
# compile every installed module again in every process it starts (about 4 s each).
$(VENV)/.installed: $(BIN)/uv requirements.lock
	$(BIN)/uv pip sync --quiet --compile-bytecode --python $(BIN)/python requirements.lock
	@touch $@

$(VENV)/.installed-test: $(BIN)/uv requirements-test.lock
	$(BIN)/uv pip sync --quiet --compile-bytecode --python $(BIN)/python requirements-test.lock
	@touch $@ $(VENV)/.installed

install: $(VENV)/.installed

install-test: $(VENV)/.installed-test

migrate: install
	$(BIN)/flask db upgrade

seed: migrate
	$(BIN)/flask frameworks import data/frameworks/lsscp.yaml --publish
	$(BIN)/flask demo

run: seed
	$(BIN)/flask run --host 127.0.0.1 --port 5000

# Debian's packages: Chromium drives the browser tests (Playwright's own browser download cannot
# work here); wrk drives the review bench's load test, which make test runs for a second; Node
# and npm run the independent credential verifier. One apt-get for all (two at once would
# fight over dpkg's lock).
tools:
	@missing=""; \
	command -v chromium >/dev/null || missing="chromium"; \
	command -v wrk >/dev/null || missing="$$missing wrk"; \
	command -v npm >/dev/null || missing="$$missing nodejs npm"; \
	[ -f /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc ] || missing="$$missing fonts-noto-cjk"; \
	if [ -n "$$missing" ]; then apt-get update -qq && apt-get install -y -qq $$missing >/dev/null; fi

# The independent Open Badges verifier (tests/credentials): Debian's Node, the npm packages
# pinned in its package-lock.json; `npm ci` runs again only when the lock file changes.
NODE_VERIFIER := tests/credentials
node-verifier: $(NODE_VERIFIER)/node_modules/.installed

$(NODE_VERIFIER)/node_modules/.installed: $(NODE_VERIFIER)/package-lock.json | tools
	cd $(NODE_VERIFIER) && npm ci --no-audit --no-fund --silent
	@touch $@

lint: install-test
	$(BIN)/ruff check .
	$(BIN)/mypy portfolio/domain portfolio/services
	$(BIN)/lint-imports

# The suite includes a smoke run of every bench (tests/integration/test_benches.py).
# apt-get and npm (mostly waiting on downloads) run alongside the Python install and lint (CPU):
# on a clean machine Chromium alone takes about a minute and a half to install.
# compileall: with PYTHONDONTWRITEBYTECODE set, every process the suite starts (gunicorn, the
# benches, CLI runs) compiled the project's own modules again (about 0.3 s of CPU each).
test:
	@$(MAKE) --no-print-directory -j2 lint tools node-verifier
	$(BIN)/python -m compileall -q -j0 portfolio bench tests config.py
	$(BIN)/python -m tests.run_suite

# Full size, one after the other (several minutes); the figures go in the README's Performance.
bench: install-test tools
	$(BIN)/python bench/upload.py
	$(BIN)/python bench/review_queue.py
	$(BIN)/python bench/load.py
	$(BIN)/python bench/evaluate.py
	$(BIN)/python bench/reports.py
	$(BIN)/python bench/roster_import.py

lock: $(BIN)/uv
	$(BIN)/uv pip compile pyproject.toml -q -o requirements.lock --python-version 3.11
	$(BIN)/uv pip compile pyproject.toml --extra test -q -o requirements-test.lock --python-version 3.11

clean:
	rm -rf $(VENV) instance/test-* $(NODE_VERIFIER)/node_modules
