# The two commands a user needs: `make run` and `make test`. Everything else supports them.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
UV := $(VENV)/bin/uv
UV_VERSION := 0.13.9
export PYTHONPATH := $(CURDIR)
export UV_PROJECT_ENVIRONMENT := $(CURDIR)/$(VENV)

.PHONY: run test venv gen lint fmt unit integration e2e clean demo deploy-files envoy-config k8s-manifests dashboards bench soak replicas

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
	DEVSTACK_T0=$(DEVSTACK_T0) exec $(PY) -m devstack.run

# Soak-class tests (marker `soak`, minutes each) are left to `make soak`.
test: gen
	$(PY) -m ruff check .
	$(PY) -m pytest -q --durations=20 -m "not soak"

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
