# Hotline: `make run` and `make test` work on a fresh machine (they install what is missing).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cat requirements.lock pyproject.toml | sha1sum | cut -c1-12)
NODE_STAMP := node_modules/.installed-$(shell cat package.json package-lock.json | sha1sum | cut -c1-12)
CHROMIUM ?= /usr/bin/chromium

.PHONY: run test test-sqlite test-postgres lint format bench deps frontend browser messages clean

run: deps frontend
	$(VENV)/bin/hotline run

test: deps frontend browser
	@$(MAKE) --no-print-directory test-sqlite
	@if [ -n "$$HOTLINE_TEST_POSTGRES" ]; then $(MAKE) --no-print-directory test-postgres; \
	else echo "HOTLINE_TEST_POSTGRES is not set: skipping the PostgreSQL run"; fi

test-sqlite:
	@echo "== tests on SQLite =="
	env -u HOTLINE_DATABASE_URL HOTLINE_ENV=test $(PY) -m pytest $(PYTEST_ARGS)

test-postgres:
	@echo "== tests on PostgreSQL =="
	HOTLINE_ENV=test HOTLINE_DATABASE_URL="$$HOTLINE_TEST_POSTGRES" $(PY) -m pytest $(PYTEST_ARGS)

lint: deps
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: deps
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

bench: deps
	$(PY) bench/demo_data.py --customers 100000

messages: deps
	cd src/hotline && ../../$(PY) ../../manage.py makemessages -l zh_Hans --no-obsolete --add-location file
	cd src/hotline && ../../$(PY) ../../manage.py compilemessages -l zh_Hans

deps: $(STAMP)

$(STAMP): requirements.lock pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet --require-hashes -r requirements.lock
	$(PY) -m pip install --quiet --no-deps -e .
	@rm -f $(VENV)/.installed-*
	@touch $@

frontend: $(NODE_STAMP)

$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

browser:
	@if [ ! -x "$(CHROMIUM)" ] || [ ! -d /usr/share/fonts/opentype/noto ]; then \
		echo "Installing Debian's chromium and CJK fonts for the browser tests"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >/dev/null; \
	fi

clean:
	rm -rf $(VENV) node_modules var
