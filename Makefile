# The two commands of the quick start: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
MANAGE := $(BIN)/python src/manage.py
HOST ?= 127.0.0.1
PORT ?= 8000
# The adapters reach the simulators, and the demo ministry portal the OpenID provider, here.
# localhost, not an address: browsers allow passkeys (WebAuthn) on a domain name only.
export PUBLIC_BASE_URL ?= http://localhost:$(PORT)

.PHONY: run test lint e2e bench dataset messages clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

# One province's one-stop system (Đắk Lắk), a separate process and a member of the exchange.
ONESTOP_PORT ?= 8101
ONESTOP_DIR := var/onestop/H66
ONESTOP_URL := http://127.0.0.1:$(ONESTOP_PORT)/lien-thong

run: $(BIN)/.installed
	$(MANAGE) migrate --noinput -v0
	$(MANAGE) bootstrap_demo
	$(BIN)/python -m simulators.onestop init --data-dir $(ONESTOP_DIR) --code H66 >/dev/null
	$(MANAGE) exchange_member --code H66 --name "Tỉnh Đắk Lắk" --kind province --agency 000.00.00.H66 \
		--endpoint $(ONESTOP_URL)/thong-diep --token-endpoint $(ONESTOP_URL)/token --key-file $(ONESTOP_DIR)/public.jwk.json
	@echo "Serving the portal on $(PUBLIC_BASE_URL)/ (simulators under /sim/); open it by that name"
	@echo "Đắk Lắk's one-stop system on http://127.0.0.1:$(ONESTOP_PORT)/control/state (steps every 20 s)"
	$(BIN)/python -m simulators.onestop serve --code H66 --name "Hệ thống một cửa điện tử tỉnh Đắk Lắk" \
		--agency-code 000.00.00.H66 --port $(ONESTOP_PORT) --data-dir $(ONESTOP_DIR) --portal-url $(PUBLIC_BASE_URL) \
		--ca-url $(PUBLIC_BASE_URL)/sim/ca/ --step-seconds 20 & ONESTOP=$$!; trap "kill $$ONESTOP" EXIT INT TERM; \
	DEBUG=$${DEBUG:-1} INPROCESS_BEAT='exchange.*,dossiers.hand_over_pending' $(MANAGE) runserver $(HOST):$(PORT)

test: $(BIN)/.installed
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/python -m pytest -m "not e2e" $(PYTEST_ARGS)

# The browser suite (Playwright driving Debian's Chromium); .ci/run calls it.
e2e: $(BIN)/.installed
	$(BIN)/python -m pytest -m e2e tests/e2e $(PYTEST_ARGS)

lint: $(BIN)/.installed
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks

bench: $(BIN)/.installed
	$(BIN)/python benchmarks/search_quality.py
	$(BIN)/python benchmarks/search_latency.py

# Rebuild the committed catalog dataset from the raw national crawl.
dataset: $(BIN)/.installed
	$(MANAGE) import_catalog ../shared/data --dataset-only --write-dataset src/dichvucong/catalog/dataset/catalog.json.gz

messages: $(BIN)/.installed
	cd src/dichvucong && ../../$(BIN)/python ../manage.py makemessages -l en --no-obsolete && ../../$(BIN)/python ../manage.py compilemessages -l en

clean:
	rm -rf $(VENV) var staticfiles test-output
