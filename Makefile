# Two commands for a newcomer: `make run` and `make test`. Both bootstrap .venv.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
RUFF := $(BIN)/ruff
# e.g. `make test PYTEST_ARGS=tests/test_subscribe.py`
PYTEST_ARGS ?=

.PHONY: run test lint venv clean browser

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --config-settings editable_mode=compat -e '.[dev]'
	@touch $(STAMP)

venv: $(STAMP)

run: $(STAMP)
	$(BIN)/loaphuong run

# make reports every failing recipe as status 2, so pytest's "collected no tests" (5) is
# said here, where its status is still known.
test: $(STAMP) browser
	$(RUFF) check .
	@$(BIN)/python -m pytest -q $(PYTEST_ARGS); status=$$?; \
	  if [ $$status -eq 5 ]; then echo "pytest collected no tests: the suite ran nothing" >&2; fi; \
	  exit $$status

# The dashboard's end-to-end test drives Debian's Chromium. Install it where we can
# (root with apt); elsewhere that one test is skipped and says why.
browser:
	@command -v chromium >/dev/null || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null && \
	  { DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends chromium >/dev/null 2>&1 || \
	    { apt-get update -q >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends chromium >/dev/null 2>&1; }; } || \
	  echo "chromium not installed: the browser test will be skipped"; }

lint: $(STAMP)
	$(RUFF) check .
	$(RUFF) format --check .

clean:
	rm -rf $(VENV) *.egg-info
