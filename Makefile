# Developer entry points. `make demo` and `make test` are the two set-up commands;
# both build .venv first, so a fresh clone needs nothing else.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-requirements
# The browser test drives Debian's Chromium; Playwright must never fetch its own.
BROWSER_PACKAGES := chromium fonts-noto-color-emoji
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD := 1

.PHONY: install demo smoke test lint typecheck unit bench browser chromium clean

install: $(STAMP)

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $(STAMP)

demo: install
	$(BIN)/python -m sandbox

# The demo's round trip, headless: exit 0 when every step passed.
smoke: install
	$(BIN)/python -m sandbox --smoke

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: install
	$(BIN)/mypy

# Installs Chromium (and a colour emoji font for card subtitles) when missing.
chromium:
	@command -v chromium >/dev/null 2>&1 && dpkg -s fonts-noto-color-emoji >/dev/null 2>&1 \
		|| ($(SUDO) apt-get update -q && $(SUDO) env DEBIAN_FRONTEND=noninteractive \
			apt-get install -y -q $(BROWSER_PACKAGES))

unit: install chromium
	$(BIN)/pytest

browser: install chromium
	$(BIN)/pytest -m browser

test: lint typecheck unit

bench: install
	$(BIN)/pytest bench --benchmark-only --benchmark-columns=min,median,mean,ops

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache .hypothesis .benchmarks
