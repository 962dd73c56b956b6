# Taawun: `make run` sets everything up and serves the demo; `make test` runs
# every check and test. Both work on a fresh machine with Python 3.11.
PYTHON ?= python3.11
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
export DJANGO_SETTINGS_MODULE := taawun.settings

.PHONY: run test check lint format typecheck migrations-check messages messages-check \
        compilemessages system browser-deps bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# Reinstall whenever the lock files or the package metadata change.
$(VENV)/.installed: $(BIN)/python requirements/dev.txt pyproject.toml
	$(BIN)/pip install --quiet -r requirements/dev.txt
	$(BIN)/pip install --quiet --no-deps -e .
	touch $@

# System packages the project needs: gettext to compile and extract the
# message catalogues; Debian's Chromium for the browser tests and wrk for
# the benchmarks (installed by `make test` and `make bench` only).
system:
	@command -v msgfmt >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq gettext; }

browser-deps: system
	@command -v chromium >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; }

compilemessages: $(VENV)/.installed system
	cd taawun && ../$(BIN)/django-admin compilemessages --verbosity 0

run: $(VENV)/.installed compilemessages
	$(BIN)/taawun migrate
	$(BIN)/taawun demo
	@echo "Serving on http://$(HOST):$(PORT)/ (Ctrl-C stops). Background tasks: $(BIN)/taawun worker"
	$(BIN)/taawun serve --host $(HOST) --port $(PORT)

lint: $(VENV)/.installed
	$(BIN)/ruff check taawun tests bench
	$(BIN)/ruff format --check taawun tests bench

format: $(VENV)/.installed
	$(BIN)/ruff check --fix taawun tests bench
	$(BIN)/ruff format taawun tests bench

typecheck: $(VENV)/.installed
	$(BIN)/mypy taawun

migrations-check: $(VENV)/.installed
	TAAWUN_VAR=$$(mktemp -d) $(BIN)/taawun manage makemigrations --check --dry-run

# Extract the strings into the catalogues (developers run this after
# changing user-facing text, then translate the new Arabic entries).
messages: $(VENV)/.installed system
	cd taawun && ../$(BIN)/django-admin makemessages -l ar -l en --no-location --no-obsolete --ignore '*/migrations/*'
	$(BIN)/python -m taawun.i18n fill-english

messages-check: $(VENV)/.installed system compilemessages
	$(BIN)/python -m taawun.i18n check

check: lint typecheck migrations-check messages-check

test: check browser-deps
	DJANGO_SETTINGS_MODULE=tests.settings $(BIN)/pytest -n 2 --dist loadfile --durations=20

$(VENV)/.bench-installed: $(VENV)/.installed requirements/bench.txt
	$(BIN)/pip install --quiet -r requirements/bench.txt
	touch $@

bench: $(VENV)/.bench-installed compilemessages
	@command -v wrk >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk; }
	$(BIN)/python -m bench.run
	$(BIN)/python -m bench.counting
	$(BIN)/python -m bench.casting
	$(BIN)/python -m bench.budgeting
	$(BIN)/python -m bench.allocation_db
	$(BIN)/python -m bench.search
	$(BIN)/python -m bench.federation_inbox
	$(BIN)/python -m bench.federation_delivery
	$(BIN)/python -m bench.soak

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
