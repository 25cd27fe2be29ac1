# Loopkit: `make run` serves the demo, `make serve` the production stack (gunicorn + scheduler),
# `make test` runs everything on SQLite and PostgreSQL.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
# axe-core for the accessibility tests, pinned in package-lock.json. The stamp sits inside its
# folder: a missing axe-core or a changed lock file both mean `npm ci` again.
NODE_STAMP := node_modules/axe-core/.installed
# Libraries WeasyPrint loads, and fonts so notes in any script render.
RUN_DEBS := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core \
	fonts-noto-core fonts-noto-cjk fonts-noto-color-emoji
# What the test suite drives for real: Chromium, a PostgreSQL server, poppler's pdftotext.
TEST_DEBS := $(RUN_DEBS) chromium postgresql poppler-utils

.PHONY: run serve test test-sqlite test-postgres lint format lock install clean
.DEFAULT_GOAL := run

$(STAMP): requirements.lock pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.lock
	touch $@

# Debian's npm only when there is no npm at all: a NodeSource nodejs already carries its own.
$(NODE_STAMP): package.json package-lock.json
	@command -v npm >/dev/null || scripts/ensure-debian-packages.sh nodejs npm
	npm ci --no-audit --no-fund
	touch $@

install: $(STAMP)

run: $(STAMP)
	@scripts/ensure-debian-packages.sh $(RUN_DEBS)
	@scripts/run-local.sh

serve: $(STAMP)
	@scripts/ensure-debian-packages.sh $(RUN_DEBS)
	@scripts/run-local.sh serve

test: $(STAMP) $(NODE_STAMP)
	@scripts/ensure-debian-packages.sh $(TEST_DEBS)
	@echo "== SQLite =="
	$(PY) -m pytest
	@echo "== PostgreSQL =="
	scripts/with-postgres.sh $(PY) -m pytest

test-sqlite: $(STAMP) $(NODE_STAMP)
	$(PY) -m pytest

test-postgres: $(STAMP) $(NODE_STAMP)
	scripts/with-postgres.sh $(PY) -m pytest

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(STAMP)
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

# Re-resolve the pinned lock file from pyproject.toml in a scratch environment.
lock:
	rm -rf /tmp/loopkit-lock && python3 -m venv /tmp/loopkit-lock
	/tmp/loopkit-lock/bin/pip install --quiet --upgrade pip
	/tmp/loopkit-lock/bin/pip install --quiet -e '.[dev]'
	/tmp/loopkit-lock/bin/pip freeze --exclude-editable | grep -v '^-e' > requirements.lock

clean:
	rm -rf $(VENV) node_modules .pytest_cache .ruff_cache test-artifacts
