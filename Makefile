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

.PHONY: run serve test test-sqlite test-postgres test-deep lint format lock install clean
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

# Browser journeys and PDF checks test pages, not the database: they run once, on SQLite.
# Each xdist worker migrates its own database once (see tests/conftest.py).
PYTEST := $(PY) -m pytest -n auto
PG_ONLY := -m "not browser and not pdf"

test: $(STAMP) $(NODE_STAMP)
	@scripts/ensure-debian-packages.sh $(TEST_DEBS)
	@echo "== SQLite: everything =="
	$(PYTEST) --durations=10
	@echo "== PostgreSQL: all but the browser and PDF tests =="
	scripts/with-postgres.sh $(PYTEST) $(PG_ONLY) --durations=10

test-sqlite: $(STAMP) $(NODE_STAMP)
	@scripts/ensure-debian-packages.sh $(TEST_DEBS)
	$(PYTEST) --durations=10

test-postgres: $(STAMP)
	@scripts/ensure-debian-packages.sh $(TEST_DEBS)
	scripts/with-postgres.sh $(PYTEST) $(PG_ONLY) --durations=10

# 200 Hypothesis examples per hostile endpoint and API operation instead of 25; CI does not
# run it.
test-deep: $(STAMP) $(NODE_STAMP)
	@scripts/ensure-debian-packages.sh $(TEST_DEBS)
	LOOPKIT_HOSTILE_PROFILE=hostile-deep $(PYTEST) tests/hostile
	LOOPKIT_HOSTILE_PROFILE=hostile-deep scripts/with-postgres.sh $(PYTEST) tests/hostile
	LOOPKIT_API_EXAMPLES=200 $(PYTEST) tests/api/test_schemathesis.py

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
