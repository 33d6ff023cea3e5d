# swarm: a Docker-API-compatible cluster manager.
SHELL := /bin/bash
export PATH := $(PATH):/usr/local/go/bin
GO ?= go
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT ?= $(shell git rev-parse --short HEAD 2>/dev/null || echo unknown)
LDFLAGS := -X github.com/swarm-project/swarm/cli.Version=$(VERSION) -X github.com/swarm-project/swarm/cli.GitCommit=$(COMMIT)

.PHONY: help build image test test-unit test-integration lint fuzz drills demo demo-stop deps clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-18s %s\n", $$1, $$2}'

build: ## build bin/swarm
	$(GO) build -ldflags "$(LDFLAGS)" -o bin/swarm .

image: ## build the swarm image (Dockerfile) and load it into ENGINES="host:port ..." (default: docker's own engine)
	VERSION=$(VERSION) COMMIT=$(COMMIT) bash test/image.sh load $(ENGINES)

deps: ## install what the tests need (apt packages incl. chromium, Go modules, Engine 29 and compose builds, cached); idempotent
	bash test/engines.sh install
	bash test/install-go-deps.sh
	bash test/registry.sh install
	bash test/stores.sh install all
	bash test/ui.sh >/dev/null
	bash test/compose.sh v1 >/dev/null
	bash test/compose.sh v2 >/dev/null
	bash test/compose.sh v5 >/dev/null
	bash test/engine29.sh build >/dev/null

lint: ## gofmt, go vet and the import-direction rules (layering_test.go)
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	$(GO) test -count=1 -run '^TestLayer' .

test-unit: ## unit tests with the race detector
	$(GO) test -race -count=1 $$($(GO) list ./... | grep -v /test/)
	$(GO) test -race -short -count=1 ./test/harness

test-integration: ## integration tests against real engines and stores
	$(GO) test -count=1 -p 1 -timeout 30m ./test/...

test: deps lint test-unit test-integration ## the whole suite (what CI runs)

# The fuzz targets, as package:FuzzName; `go test ./...` runs their seed
# corpora (f.Add and testdata/fuzz) as ordinary tests.
FUZZTIME ?= 60s
FUZZFLAGS ?=
FUZZ_TARGETS := \
	./filters:FuzzParseExpr ./filters:FuzzParseLabel ./filters:FuzzConstraintPlan ./filters:FuzzAffinityIndex \
	./scheduler:FuzzNormalize \
	./discovery:FuzzExpandRange ./discovery:FuzzParseAddrList ./discovery:FuzzParseEntriesFile ./discovery:FuzzParseURL \
	./api:FuzzListFilters ./api:FuzzTranslateRequest ./api:FuzzShapeAnswer ./api:FuzzVersions ./api:FuzzUnknownCreateFields

fuzz: ## run each fuzz target for FUZZTIME (default 60s), one after another (FUZZ=FuzzName: only that one; FUZZFLAGS=-parallel=1: one worker)
	@set -e; for t in $(FUZZ_TARGETS); do \
		pkg=$${t%%:*}; name=$${t##*:}; \
		if [ -n "$(FUZZ)" ] && [ "$$name" != "$(FUZZ)" ]; then continue; fi; \
		echo "== $$name ($$pkg, $(FUZZTIME))"; \
		$(GO) test -run '^$$' -fuzz "^$$name\$$" -fuzztime $(FUZZTIME) $(FUZZFLAGS) $$pkg; \
	done

drills: ## the reliability drills of docs/reliability.md (slow: real engines killed, 1,000 clients, a 1 GB build context; not in `make test`)
	$(GO) vet -tags drills ./test/drills/
	$(GO) test -tags drills -count=1 -p 1 -timeout 60m -v ./test/drills/

demo: ## start 3 local engines and a manager on 127.0.0.1:5001 (ENGINE=29: Docker Engine 29 engines)
	bash test/demo.sh start

demo-stop: ## stop the demo
	bash test/demo.sh stop

clean: ## remove build output
	rm -rf bin
