# Werterhalt — `make demo` to try it, `make test` to test it. See README.md.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell sha1sum pyproject.toml | cut -c1-12)
HOST   ?= 127.0.0.1
PORT   ?= 8000
# The demo runs on the embedded SQLite database, whatever DATABASE_URL says.
DEMO_ENV := DEBUG=1 DATABASE_URL=sqlite:///$(CURDIR)/werterhalt.sqlite3
LAB_DIR  := $(CURDIR)/var/lab

.PHONY: netbox install browser office demo lab-stop serve test lint check bench clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@rm -f $(VENV)/.installed-*
	@touch $@

install: $(STAMP)

demo: install
	$(DEMO_ENV) $(BIN)/python manage.py migrate --noinput
	$(DEMO_ENV) $(BIN)/python manage.py lab start --dir $(LAB_DIR)
	@# exit 1 = some hosts failed: the lab has broken devices on purpose
	$(DEMO_ENV) DEVICE_SECRETS_FILE=$(LAB_DIR)/secrets.yaml $(BIN)/python manage.py discover \
		--inventory $(LAB_DIR)/inventory; test $$? -le 1
	@# a schedule over the lab (without Redis: `manage.py schedules run-due` from cron runs it)
	$(DEMO_ENV) $(BIN)/python manage.py schedules add lab-daily --replace --cron "0 6 * * *" \
		--inventory $(LAB_DIR)/inventory --shard-size 10
	@echo "The lab keeps running in the background: 'make lab-stop' ends it."
	$(DEMO_ENV) $(BIN)/python manage.py load_demo
	$(DEMO_ENV) $(BIN)/python manage.py load_demo_lifecycle
	$(DEMO_ENV) $(BIN)/python manage.py lifecycle_refresh
	$(DEMO_ENV) $(BIN)/python manage.py lifecycle_status
	@# last before serving, so that the login it prints is the last thing on the screen
	$(DEMO_ENV) $(BIN)/python manage.py load_demo --user demo --url http://$(HOST):$(PORT)/
	$(DEMO_ENV) $(BIN)/python manage.py runserver --noreload $(HOST):$(PORT)

# Production serving: gunicorn with DEBUG off; WhiteNoise serves the static files. Set
# SECRET_KEY, DATABASE_URL (and REDIS_URL, HTTPS, ALLOWED_HOSTS, …) in the environment first;
# deploy/ has the systemd units. WORKERS defaults to 2 per core + 1.
WORKERS ?= $(shell echo $$(( $$(nproc) * 2 + 1 )))
serve: install
	DEBUG=0 $(BIN)/python manage.py migrate --noinput
	DEBUG=0 exec $(BIN)/gunicorn werterhalt.wsgi:application --bind $(HOST):$(PORT) \
		--workers $(WORKERS) --access-logfile - --error-logfile - --forwarded-allow-ips 127.0.0.1

lab-stop: install
	$(DEMO_ENV) $(BIN)/python manage.py lab stop --dir $(LAB_DIR)

# The browser tests drive Debian's Chromium; Playwright never downloads a browser of its own.
browser:
	@test -x /usr/bin/chromium || { \
		echo "installing Debian's chromium for the browser tests"; \
		if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium; }

# The workbook tests print the plan with LibreOffice headless and read the PDF with pdftotext
# (tests/lifecycle/test_workbook.py): Debian's packages, as for the browser.
office:
	@test -x /usr/bin/soffice && command -v pdftotext >/dev/null || { \
		echo "installing Debian's libreoffice-calc-nogui and poppler-utils for the workbook tests"; \
		if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq \
			libreoffice-calc-nogui poppler-utils; }

# The real NetBox the NetBox sync is tested against (tests/netbox_harness.py): NetBox 4.7.3 from
# PyPI in a Python 3.12 virtualenv of its own (.netbox-venv/, ~65 s the first time, then a check)
netbox: install
	$(BIN)/python -c "from tests.netbox_harness import ensure_venv; print('NetBox venv:', ensure_venv())"

test: install browser office netbox
	$(BIN)/python -m pytest

lint: install
	$(BIN)/ruff check .

check: lint
	SECRET_KEY=check-only $(BIN)/python manage.py makemigrations --check --dry-run

bench: install
	$(BIN)/python bench/import_assets.py
	$(BIN)/python bench/discovery.py
	$(BIN)/python bench/lifecycle.py
	$(BIN)/python bench/ui.py
	$(BIN)/python bench/plan.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache *.egg-info
