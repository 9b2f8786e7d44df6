# The two commands of the README: `make run` and `make test`.
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
TEST_POSTGRES_URL ?= postgresql://postgres@127.0.0.1:5432/test
TEST_REDIS_URL ?= redis://127.0.0.1:6379/15

.PHONY: run test install install-dev lint audit

$(PY):
	python3 -m venv $(VENV)

install: $(PY)
	$(PIP) install -q -r requirements.txt

install-dev: $(PY)
	$(PIP) install -q -r requirements-dev.txt

# Development: SQLite in instance/, the built-in Notion sandbox on port 5001, the app on PORT
# (5000; on macOS the AirPlay Receiver takes 5000, so `make run PORT=5050`).
PORT ?= 5000

run: install
	$(PY) -m flask --app app db upgrade
	@echo "Open http://localhost:$(PORT) (Notion's sign-in comes back to localhost, not 127.0.0.1)"
	PORT=$(PORT) $(PY) -m flask --app app run --port $(PORT)

# The whole suite on SQLite, then again on the local PostgreSQL (skipped with a reason when it
# is not running, except in CI). Redis tests use TEST_REDIS_URL.
test: install-dev audit
	$(VENV)/bin/ruff check .
	TEST_POSTGRES_URL=$(TEST_POSTGRES_URL) TEST_REDIS_URL=$(TEST_REDIS_URL) $(PY) -m pytest
	TEST_POSTGRES_URL=$(TEST_POSTGRES_URL) TEST_REDIS_URL=$(TEST_REDIS_URL) $(PY) -m pytest -m database --postgres

lint: install-dev
	$(VENV)/bin/ruff check .

# Security audit: bandit on the app's code, pip-audit on the pinned requirements (a note, not a
# failure, when the package index's vulnerability API cannot be reached).
audit: install-dev
	$(VENV)/bin/bandit -c pyproject.toml -r notion_app -q
	$(PY) scripts/pip_audit.py
