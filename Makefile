# coop: two commands. `make run` sets everything up and serves; `make test` runs the suite.
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
FLASK := $(VENV)/bin/flask
export FLASK_APP := coop
HOST ?= 127.0.0.1
PORT ?= 5000
PYTEST_WORKERS ?= 2

.PHONY: run test test-fast test-postgres test-all e2e bench lint lock migrations translations translations-update clean

# Dependencies come from the hashed lock files (requirements/dev.txt here; requirements/production.txt on a
# server, see docs/operations.md), then coop itself without dependencies. `make lock` regenerates them.
$(VENV)/.installed: requirements/dev.txt setup.cfg pyproject.toml
	@command -v python3 >/dev/null || { echo "python3 is required (apt-get install python3 python3-venv)"; exit 1; }
	@if [ ! -x $(VENV)/bin/pip ]; then \
	  rm -rf $(VENV); \
	  python3 -m venv $(VENV) 2>/dev/null || { \
	    rm -rf $(VENV); \
	    if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	      echo "Installing python3-venv with apt-get ..."; \
	      apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null; \
	    fi; \
	    python3 -m venv $(VENV) || { rm -rf $(VENV); echo "python3 -m venv failed: apt-get install python3-venv"; exit 1; }; \
	  }; \
	fi
	@$(VENV)/bin/pip install -q --upgrade pip >/dev/null 2>&1 || true
	@echo "Installing the locked dependencies (requirements/dev.txt) and coop into $(VENV) ..."
	@$(VENV)/bin/pip install -q --disable-pip-version-check --require-hashes -r requirements/dev.txt
	@$(VENV)/bin/pip install -q --disable-pip-version-check --no-deps -e .
	@$(VENV)/bin/python -c "import coop, flask_sqlalchemy, psycopg, pytest, playwright, schemathesis, gunicorn, mypy"
	@touch $@

# Compile translations/*/LC_MESSAGES/messages.po to .mo (the .mo files are not committed).
translations: $(VENV)/.installed
	@$(VENV)/bin/pybabel -q compile -d translations

# After marking new strings: extract the Indonesian msgids and merge them into every .po (then translate).
translations-update: $(VENV)/.installed
	$(VENV)/bin/pybabel -q extract -F babel.cfg -k N_ -k _l --no-location --sort-output --project coop \
	  -o translations/messages.pot .
	$(VENV)/bin/pybabel -q update -i translations/messages.pot -d translations --no-fuzzy-matching \
	  --ignore-obsolete --width 120
	@rm -f translations/messages.pot
	@$(VENV)/bin/pybabel compile -d translations --statistics

run: $(VENV)/.installed translations
	@$(FLASK) db upgrade >/dev/null 2>&1 || $(FLASK) db upgrade
	@$(FLASK) demo
	@echo ""
	@echo "  Koperasi Desmigratif berjalan di  http://$(HOST):$(PORT)/"
	@echo "  Masuk sebagai 'bendahara' (bendahara), 'manajer', 'petugas', 'auditor' atau 'admin';"
	@echo "  'koordinator' melihat monitoring program Kabupaten Tulungagung (3504)."
	@echo ""
	@$(VENV)/bin/gunicorn --bind $(HOST):$(PORT) --workers 2 --threads 4 --access-logfile - "coop:create_app()"

test: $(VENV)/.installed translations
	$(VENV)/bin/pytest -q -n $(PYTEST_WORKERS) -m "not e2e" -p no:cacheprovider

test-fast: $(VENV)/.installed
	$(VENV)/bin/pytest -q -x -m "not slow and not e2e" -p no:cacheprovider

test-postgres: $(VENV)/.installed translations
	scripts/with_postgres.sh $(VENV)/bin/pytest -q -n $(PYTEST_WORKERS) -m "not e2e" -p no:cacheprovider

e2e: $(VENV)/.installed translations
	scripts/e2e.sh

test-all: test test-postgres e2e

# bench_*_pg.py: against COOP_BENCH_DATABASE_URL when given, else a throwaway PostgreSQL cluster (fsync on)
# when the server binaries are installed, else skipped with a message.
bench: $(VENV)/.installed
	@for b in bench/bench_*.py; do case $$b in *_pg.py) continue;; esac; echo "== $$b"; $(PY) $$b || exit 1; done
	@for b in bench/bench_*_pg.py; do echo "== $$b"; \
	  if [ -n "$$COOP_BENCH_DATABASE_URL" ]; then $(PY) $$b || exit 1; \
	  elif ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then COOP_PG_FSYNC=on scripts/with_postgres.sh $(PY) $$b || exit 1; \
	  else echo "SKIPPED: no PostgreSQL (set COOP_BENCH_DATABASE_URL or install postgresql)"; fi; done

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check coop tests bench
	$(VENV)/bin/lint-imports
	$(VENV)/bin/mypy

# Regenerate the hashed lock files from setup.cfg (after adding or changing a dependency there). Existing pins
# are kept; `make lock LOCK_FLAGS=--upgrade` moves everything to the newest allowed versions.
# Universal: one lock for Linux, macOS and Windows on Python 3.11+.
LOCK_FLAGS ?=
lock: $(VENV)/.installed
	$(VENV)/bin/uv pip compile -q setup.cfg --universal --python-version 3.11 --generate-hashes \
	  --custom-compile-command "make lock" --extra postgres --extra server $(LOCK_FLAGS) -o requirements/production.txt
	$(VENV)/bin/uv pip compile -q setup.cfg --universal --python-version 3.11 --generate-hashes \
	  --custom-compile-command "make lock" --extra postgres --extra server --extra dev $(LOCK_FLAGS) \
	  -o requirements/dev.txt

migrations: $(VENV)/.installed
	scripts/regen_initial_migration.sh

clean:
	rm -rf $(VENV) instance .pytest_cache
