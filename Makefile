# Two commands: `make run` (set up, demo site, web app) and `make test` (set up, tests, lint).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: install run test bench clean translations browser

install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

run: install
	$(BIN)/wfm demo --if-empty
	$(BIN)/wfm serve

test: install browser
	$(BIN)/ruff check .
	$(BIN)/python -m pytest

# Browser tests need Chromium: Debian's package where we may install it, else they skip and say why.
browser:
	@command -v chromium >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 && \
	  { DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium >/dev/null 2>&1 || \
	    { apt-get update -q >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium >/dev/null 2>&1; }; }; } || \
	  echo "Chromium is missing and cannot be installed here (needs root and apt-get): browser tests will be skipped"

bench: install
	$(BIN)/python -m pip install --quiet -e '.[bench]'
	$(BIN)/python -m bench.import_history
	$(BIN)/python -m bench.forecast
	$(BIN)/python -m bench.forecast_accuracy
	$(BIN)/python -m bench.staffing
	$(BIN)/python -m bench.roster --scale
	$(BIN)/python -m bench.roster_vs_pyworkforce
	$(BIN)/python -m bench.curtois_pricing
	$(BIN)/python -m bench.web_grid
	$(BIN)/python -m bench.whatif
	$(BIN)/python -m bench.load_test
	$(BIN)/python -m bench.api_fuzz
	$(BIN)/python -m bench.celery_sweep
	$(BIN)/python -m bench.big_site

clean:
	rm -rf $(VENV) instance .pytest_cache

# After changing UI text: refresh the catalogue, translate the new German entries, compile. N_ marks texts
# translated where they are shown (the roster checker's message templates in scheduler/).
translations: install
	$(BIN)/pybabel extract -F babel.cfg -k _l -k N_ --no-location --omit-header -o web/translations/messages.pot .
	$(BIN)/pybabel update -i web/translations/messages.pot -d web/translations
	$(BIN)/pybabel compile -d web/translations
