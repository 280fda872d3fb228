# Two commands on a fresh machine:
#   make run   - set up, index corpus/ (if anything changed), serve the app
#   make test  - set up (with test tools and a headless Chromium), run every test
# Everything else here is what those two use.

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip
PORT   ?= 8501
STAMP  := $(VENV)/.installed
DEV_STAMP := $(VENV)/.installed-dev

.PHONY: run test install install-dev index browser bench eval calibrate constraints clean

run: install index
	HF_HUB_OFFLINE=1 $(VENV)/bin/streamlit run app.py --server.headless true \
		--server.port $(PORT) --browser.gatherUsageStats false

test: install-dev browser
	HF_HUB_OFFLINE=1 $(PY) -m pytest

install: $(STAMP)
$(STAMP): requirements.txt constraints.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade "pip>=24"
	$(PIP) install --quiet -r requirements.txt -c constraints.txt
	touch $@

install-dev: $(DEV_STAMP)
$(DEV_STAMP): $(STAMP) requirements-dev.txt
	$(PIP) install --quiet -r requirements-dev.txt -c constraints.txt
	touch $@

# Playwright's own browser download does not work here: use Debian's Chromium.
browser:
	@test -x /usr/bin/chromium || { \
		echo "installing Debian's chromium for the browser tests"; \
		if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
		$$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq chromium >/dev/null; }

index: install
	HF_HUB_OFFLINE=1 $(PY) -m rag ingest

eval: install
	HF_HUB_OFFLINE=1 $(PY) -m eval run

calibrate: install
	HF_HUB_OFFLINE=1 $(PY) -m eval calibrate

bench: install
	HF_HUB_OFFLINE=1 $(PY) -m bench

constraints:
	$(PIP) freeze --exclude-editable | sed 's/+cpu//' > constraints.txt

clean:
	rm -rf $(VENV) .rag .pytest_cache
