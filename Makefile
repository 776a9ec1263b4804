# The two commands a user needs: `make run` and `make test`. Everything else supports them.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
UV := $(VENV)/bin/uv
UV_VERSION := 0.13.9
export PYTHONPATH := $(CURDIR)
export UV_PROJECT_ENVIRONMENT := $(CURDIR)/$(VENV)
# Python keeps the bytecode it compiles (some machines turn that off for every process): without
# it each of the stack's processes compiles every module it imports again, which doubled the CPU
# a process needs to start (gateway 4.8 s -> 2.5 s measured) and slowed `make test` throughout.
unexport PYTHONDONTWRITEBYTECODE

.PHONY: run test venv gen lint fmt unit integration e2e clean demo deploy-files envoy-config k8s-manifests dashboards bench soak replicas fuzz \
	node chromium node-deps client console

# Creates the virtualenv and installs the locked dependency set (uv.lock) into it.
$(VENV)/.synced: uv.lock pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@test -x $(UV) || $(PY) -m pip install -q "uv==$(UV_VERSION)"
	$(UV) sync --frozen --quiet
	@touch $@

venv: $(VENV)/.synced

# Generates the protobuf/gRPC code from protos/ (git-ignored, never edited by hand).
gen: venv
	@$(PY) tools/gen_protos.py

# The whole platform until Ctrl-C/SIGTERM (devstack/run.py lists the settings). DEVSTACK_T0 is
# taken when make starts, so the "healthy after" figure includes venv, install and codegen.
run: DEVSTACK_T0 := $(shell date +%s.%N)
run: gen
	@$(MAKE) --no-print-directory console || echo "!!! the review console is not built (see above); the platform starts without it !!!"
	DEVSTACK_T0=$(DEVSTACK_T0) exec $(PY) -m devstack.run

# The whole suite, browser and Node tests included: Node.js, npm packages and Debian's chromium
# are installed first where missing. Soak-class tests (marker `soak`, minutes each) are left to
# `make soak`. Two workers share the suite file by file, the fault tests as one unit and the
# longest units first (tests/support/scheduling.py).
test: gen node-deps console chromium
	$(PY) -m ruff check .
	$(PY) -m pytest -q -n 2 --dist loadfile --durations=20 -m "not soak"

# -- TypeScript client, review console, browser -------------------------------------------------
# Node.js and chromium come from the system package manager (tools/system_packages.sh).
CLIENT := clients/typescript
CONSOLE := console
NPM_CI := npm ci --no-audit --no-fund --loglevel=error

node:
	@tools/system_packages.sh node

chromium:
	@tools/system_packages.sh chromium

# npm ci again only when a lock file changed.
$(CLIENT)/node_modules/.installed: $(CLIENT)/package-lock.json | node
	cd $(CLIENT) && $(NPM_CI)
	@touch $@

$(CONSOLE)/node_modules/.installed: $(CONSOLE)/package-lock.json | node
	cd $(CONSOLE) && $(NPM_CI)
	@touch $@

node-deps: $(CLIENT)/node_modules/.installed $(CONSOLE)/node_modules/.installed

# Regenerates the committed TypeScript client after an API change: the OpenAPI document from the
# gateway's own app (no stack needed), then @hey-api/openapi-ts. A test fails while it is stale.
client: gen $(CLIENT)/node_modules/.installed
	$(PY) -m tools.openapi_document $(CLIENT)/openapi.json
	cd $(CLIENT) && npm run --silent generate

# The review console the gateway serves at /console (console/dist, git-ignored), rebuilt when a
# source of it or of the client changed.
CONSOLE_SOURCES := $(shell find $(CONSOLE)/src $(CONSOLE)/static $(CLIENT)/src -type f 2>/dev/null)
$(CONSOLE)/dist/index.html: $(CONSOLE_SOURCES) $(CONSOLE)/build.mjs $(CONSOLE)/tsconfig.json $(CONSOLE)/node_modules/.installed
	cd $(CONSOLE) && npm run --silent build

console: $(CONSOLE)/dist/index.html

# Loads a sample brief into a running `make run` through the public API.
demo: venv
	$(PY) -m devstack.demo

# Every scenario of issue 9 on an isolated stack of its own (never part of `make test`), side by
# side in one run; prints the table and writes bench/results/latest.{json,md,png} (README: Performance).
bench: gen
	$(PY) -m bench

# Simulated users doing the kanban loop for a bounded time on an isolated stack (never part of
# `make test`): no 5xx, no lost action, stable RSS; writes bench/results/soak.json (README: Reliability).
# Then the soak-class tests (marker `soak`): the kanban loop on two replicas of everything while one
# of each is killed (`make replicas` alone).
SOAK_SECONDS ?= 120
SOAK_USERS ?= 50
soak: gen
	$(PY) -m bench.soak --seconds $(SOAK_SECONDS) --users $(SOAK_USERS)
	$(PY) -m pytest -q -rP -m soak tests

replicas: gen
	$(PY) -m pytest -q -rP -m soak tests/reliability/test_replicas.py

# Long fuzzing (never part of `make test`, which sends 6 cases per operation): every operation of
# /openapi.json with FUZZ_MAX_EXAMPLES generated cases on an e2e stack of its own; another FUZZ_SEED
# sends other requests. 300 cases take about 12 minutes on 2 cores.
FUZZ_MAX_EXAMPLES ?= 300
FUZZ_SEED ?= 11
fuzz: gen
	FUZZ_MAX_EXAMPLES=$(FUZZ_MAX_EXAMPLES) FUZZ_SEED=$(FUZZ_SEED) $(PY) -m pytest -q tests/e2e/test_fuzz_openapi.py

# Generated deployment files, each from typed objects and the code's own tables; tests/deploy fails
# when a committed copy differs from what these write.
deploy-files: envoy-config k8s-manifests dashboards

envoy-config: venv
	$(PY) -m deploy.envoy

k8s-manifests: venv
	$(PY) -m deploy.k8s

dashboards: venv
	$(PY) -m deploy.dashboards

unit: gen
	$(PY) -m pytest -q tests/unit

lint: venv
	$(PY) -m ruff check .

fmt: venv
	$(PY) -m ruff format .
	$(PY) -m ruff check --fix .

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
	find protos -name '*_pb2*.py*' -delete
