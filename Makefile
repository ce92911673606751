# idp: every install and test step lives here, so a clean clone needs only `make`.
VENV ?= .venv
PYTHON ?= python3
BIN := $(VENV)/bin

.PHONY: install run test test-embedded test-services lint format translations bench clean

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml clients/pyproject.toml package.json
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	$(BIN)/pip install --quiet -e './clients[flask]'
	npm ci --no-audit --no-fund --silent  # axe-core, injected by the end-to-end tests
	touch $@

PSC_PORT ?= 5001
PSC_ENV := IDP_PSC_ISSUER=http://127.0.0.1:$(PSC_PORT)/auth/realms/esante-wallet \
	IDP_PSC_CLIENT_ID=viatrajectoire-idp IDP_PSC_CLIENT_SECRET=psc-sandbox-secret
# a domain name, not 127.0.0.1: passkeys need one (browsers refuse an IP address as RP ID)
ISSUER ?= http://localhost:5000

## Run the provider on http://localhost:5000 with demo data (SQLite, in-process store, outbox),
## wired to the Pro Santé Connect stand-in on http://127.0.0.1:$(PSC_PORT), and the demo module
## on http://127.0.0.1:8000 (both stopped with it).
run: install
	IDP_ISSUER=$(ISSUER) $(BIN)/idp init --demo
	$(BIN)/idp psc-sandbox --host 127.0.0.1 --port $(PSC_PORT) & psc=$$!; \
	$(BIN)/python -m demo_module --port 8000 --issuer $(ISSUER) & module=$$!; \
	$(BIN)/python -m demo_module --port 8001 --issuer $(ISSUER) --client-id demo-volet-medical \
		--name "Volet médical (démo)" & health=$$!; \
	trap 'kill $$psc $$module $$health 2>/dev/null' EXIT INT TERM; \
	IDP_ISSUER=$(ISSUER) $(PSC_ENV) $(BIN)/idp serve --host 127.0.0.1 --port 5000

## The whole suite: lint, then every test on the embedded default and on PostgreSQL + Redis.
test: install lint test-embedded test-services

test-embedded: install
	$(BIN)/pytest -n 2 tests

test-services: install
	$(BIN)/pytest -n 2 --backend=services tests

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/mypy

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

## Benchmark the production setup (PostgreSQL + Redis, server and load pinned to one core
## each) and write bench/RESULTS.md. Extra options: make bench BENCH_ARGS='--soak 600'.
bench: install
	scripts/services.sh
	command -v wrk >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk)
	$(BIN)/python -m bench.run $(BENCH_ARGS)

## Re-extract the French texts and rebuild the English catalogue.
translations: install
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -o idp/translations/messages.pot .
	$(BIN)/python scripts/translate_en.py

clean:
	rm -rf $(VENV) instance .pytest_cache .ruff_cache
