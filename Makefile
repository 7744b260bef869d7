# FlexyAgents developer commands. Only Python 3.11+ and make are needed.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?=

.PHONY: install run web worker migrate seed test test-fast messages compilemessages check clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

install: $(VENV)/.installed

migrate: install
	$(BIN)/python manage.py migrate --no-input

compilemessages: install
	$(BIN)/python manage.py compiletranslations >/dev/null

seed: migrate
	DEMO_SITE_URL=http://$(HOST):$(PORT) $(BIN)/python manage.py seed_demo

# Start the web server on http://$(HOST):$(PORT), a Celery worker and the Celery beat scheduler.
# All three run in the background while the shell waits, so Ctrl-C or a SIGTERM sent to that
# shell runs the trap at once and stops them together. The trap signals the three processes,
# not the whole process group: a worker whose pool children were killed under it could hang
# in billiard's pool shutdown. Beat runs as its own process because `celery worker --beat`
# (Celery 5.7) hung in "beat: Shutting down..." after SIGTERM.
run: install compilemessages seed
	@echo "FlexyAgents on http://$(HOST):$(PORT)/ (Ctrl-C stops the web server, the worker and beat)"
	@pids=""; trap 'trap - INT TERM EXIT; kill $$pids 2>/dev/null; wait' INT TERM EXIT; \
	$(BIN)/celery -A config worker --loglevel=INFO --concurrency=2 & pids="$$pids $$!"; \
	$(BIN)/celery -A config beat --loglevel=INFO & pids="$$pids $$!"; \
	$(BIN)/python -m uvicorn config.asgi:application --host $(HOST) --port $(PORT) --reload --reload-dir config --reload-dir orgs --reload-dir keys --reload-dir providers --reload-dir agents --reload-dir knowledge --reload-dir usage --reload-dir templates & pids="$$pids $$!"; \
	wait

test: install compilemessages
	$(BIN)/python manage.py check
	$(BIN)/python manage.py makemigrations --check --dry-run >/dev/null || (echo "Model changes without migrations: run 'manage.py makemigrations'" && exit 1)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# Extract translatable strings into locale/ and every app's locale/ folder.
messages: install
	$(BIN)/python manage.py makemessages -l zh_Hans --ignore=.venv --ignore=tests --ignore=bench --no-obsolete

check: install
	$(BIN)/python manage.py check --deploy --fail-level WARNING

clean:
	rm -rf $(VENV) staticfiles
