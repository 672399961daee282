# VssID — `make run` serves the app with demo data, `make test` runs the whole suite.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/vssid
BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/vssid_bench
T ?=

.DEFAULT_GOAL := help

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-8s %s\n", $$1, $$2}'

$(VENV)/.runtime: requirements.txt constraints.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check -r requirements.txt -c constraints.txt
	touch $@

$(VENV)/.dev: requirements-dev.txt constraints.txt $(VENV)/.runtime
	$(PY) -m pip install -q --disable-pip-version-check -r requirements-dev.txt -c constraints.txt
	touch $@

install: $(VENV)/.runtime ## create .venv with the locked runtime dependencies

run: $(VENV)/.runtime ## serve the app and the worker on 127.0.0.1:$(PORT) with demo data (SQLite)
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo --if-empty
	DEBUG=1 bin/serve $(PORT)

services: ## start PostgreSQL when it is installed and down; install chromium for browser tests
	bin/ensure-services

lint: $(VENV)/.dev ## ruff, mypy and the import layers (lint-imports)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy .
	$(VENV)/bin/lint-imports

test: $(VENV)/.dev services lint ## the whole suite on PostgreSQL (T=path runs a part)
	DATABASE_URL=$(TEST_DATABASE_URL) $(VENV)/bin/pytest $(T)

messages: $(VENV)/.dev ## refresh locale/en after changing user-facing text (needs gettext)
	$(PY) manage.py makemessages -l en -i ".venv/*" -i "staticfiles/*" -i "var/*"
	$(PY) manage.py compilemessages -l en

bench: $(VENV)/.dev ## benchmarks on PostgreSQL (seeds 1,000,000 people once)
	bin/ensure-services --bench
	DATABASE_URL=$(BENCH_DATABASE_URL) $(PY) bench/run.py

.PHONY: help install run services lint test messages bench
