# idgate — the only entry points a newcomer needs: make run, make test.
SHELL := /bin/bash
.DEFAULT_GOAL := help

GO        ?= go
BIN       := $(CURDIR)/bin
export PATH := $(BIN):$(PATH)

# Pinned tool versions. `make tools` installs them into ./bin from the Go module proxy.
BUF_VERSION          := v1.75.0
PROTOC_GEN_GO        := v1.36.12
PROTOC_GEN_GO_GRPC   := v1.6.0
GRPC_GATEWAY         := v2.32.0
GRPC_GATEWAY_V1      := v1.16.0
STRIPE_MOCK          := v0.203.0
# The Kotlin client's build needs Maven >= 3.9.6 (its protobuf plugin says so); Debian ships
# 3.8, so `make test-kotlin` fetches this one from Maven Central with the system mvn.
MAVEN_VERSION        := 3.9.16

# google/api and the openapiv2 options, copied from Go modules (the Buf registry is not
# reachable from our build machines) and committed, so that a git ref is a whole buf input.
PROTODEPS := third_party/proto
MVN       := $(CURDIR)/.cache/apache-maven-$(MAVEN_VERSION)/bin/mvn
CONSOLE_DEPS := console/node_modules/.package-lock.json
OPENAPI_DEPS := tools/openapi/node_modules/.package-lock.json
TEST_ENV  := tmp/test.env
# The Go compiler collects garbage less often while building bin/idgate and bin/stripe-mock:
# about a fifth less CPU for a cold build, for about 30 % more memory (BENCHMARKS.md, "The
# first make run"). BUILD_GOGC=100 is Go's default.
BUILD_GOGC ?= 400

.PHONY: help
help: ## Show the targets.
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-12s %s\n", $$1, $$2}'

bin/buf:
	GOBIN=$(BIN) $(GO) install github.com/bufbuild/buf/cmd/buf@$(BUF_VERSION)
bin/protoc-gen-go:
	GOBIN=$(BIN) $(GO) install google.golang.org/protobuf/cmd/protoc-gen-go@$(PROTOC_GEN_GO)
bin/protoc-gen-go-grpc:
	GOBIN=$(BIN) $(GO) install google.golang.org/grpc/cmd/protoc-gen-go-grpc@$(PROTOC_GEN_GO_GRPC)
bin/protoc-gen-grpc-gateway:
	GOBIN=$(BIN) $(GO) install github.com/grpc-ecosystem/grpc-gateway/v2/protoc-gen-grpc-gateway@$(GRPC_GATEWAY)
bin/protoc-gen-openapiv2:
	GOBIN=$(BIN) $(GO) install github.com/grpc-ecosystem/grpc-gateway/v2/protoc-gen-openapiv2@$(GRPC_GATEWAY)
bin/stripe-mock:
	GOGC=$(BUILD_GOGC) GOBIN=$(BIN) $(GO) install github.com/stripe/stripe-mock@$(STRIPE_MOCK)

GEN_TOOLS := bin/buf bin/protoc-gen-go bin/protoc-gen-go-grpc bin/protoc-gen-grpc-gateway bin/protoc-gen-openapiv2

.PHONY: tools
tools: $(GEN_TOOLS) bin/stripe-mock ## Install the pinned tools into ./bin.

$(MVN):
	mvn -q -B dependency:copy -Dartifact=org.apache.maven:apache-maven:$(MAVEN_VERSION):tar.gz:bin -DoutputDirectory=.cache
	tar -xzf .cache/apache-maven-$(MAVEN_VERSION)-bin.tar.gz -C .cache && rm .cache/apache-maven-$(MAVEN_VERSION)-bin.tar.gz
	@touch $@

.PHONY: protodeps
protodeps:
	@$(GO) mod download github.com/grpc-ecosystem/grpc-gateway@$(GRPC_GATEWAY_V1) github.com/grpc-ecosystem/grpc-gateway/v2@$(GRPC_GATEWAY)
	@rm -rf $(PROTODEPS) && mkdir -p $(PROTODEPS)/google/api $(PROTODEPS)/protoc-gen-openapiv2/options
	@v1=$$($(GO) list -m -f '{{.Dir}}' github.com/grpc-ecosystem/grpc-gateway@$(GRPC_GATEWAY_V1)); \
	 v2=$$($(GO) list -m -f '{{.Dir}}' github.com/grpc-ecosystem/grpc-gateway/v2@$(GRPC_GATEWAY)); \
	 cp $$v1/third_party/googleapis/google/api/{annotations,http}.proto $(PROTODEPS)/google/api/; \
	 cp $$v2/protoc-gen-openapiv2/options/{annotations,openapiv2}.proto $(PROTODEPS)/protoc-gen-openapiv2/options/; \
	 chmod -R u+w $(PROTODEPS)

.PHONY: generate
generate: $(GEN_TOOLS) protodeps $(CONSOLE_DEPS) ## Regenerate gen/ and console/src/gen/ (protos) and ent/ (schema).
	rm -rf gen console/src/gen
	buf lint
	buf generate --path proto/idgate
	cd ent && $(GO) generate ./...

.PHONY: lint
lint: $(GEN_TOOLS) protodeps ## buf lint and go vet.
	buf lint
	$(GO) vet ./...

.PHONY: lint-api
lint-api: $(OPENAPI_DEPS) ## The OpenAPI document under swagger-cli validate and Redocly's recommended rules.
	cd tools/openapi && npx swagger-cli validate ../../gen/openapiv2/idgate.swagger.json
	cd tools/openapi && npx redocly lint --config redocly.yaml ../../gen/openapiv2/idgate.swagger.json

$(OPENAPI_DEPS): tools/openapi/package.json tools/openapi/package-lock.json
	cd tools/openapi && npm ci --no-audit --no-fund
	@touch $@

.PHONY: schemathesis
schemathesis: build bin/stripe-mock ## Schemathesis (PyPI) against a fresh bin/idgate, from the OpenAPI document.
	@scripts/schemathesis.sh

.PHONY: breaking
breaking: bin/buf ## buf breaking against the merge base with main (or the previous commit on main).
	@scripts/buf-breaking.sh

.PHONY: verify
verify: generate console ## Fail when generated code or the built console is not what the sources make.
	$(GO) mod tidy -e
	@git diff --exit-code -- gen ent console/src/gen console/dist $(PROTODEPS) go.mod go.sum || { echo "generated code, console/dist or go.mod is stale: run 'make generate console' and commit"; exit 1; }
	@test -z "$$(git status --porcelain -- gen ent console/src/gen console/dist $(PROTODEPS))" || { git status --porcelain -- gen ent console/src/gen console/dist $(PROTODEPS); echo "untracked generated files: run 'make generate console' and commit"; exit 1; }
	$(GO) vet ./...
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { gofmt -l $$(git ls-files '*.go'); echo "gofmt needed"; exit 1; }

# The console's npm packages, exactly as package-lock.json pins them.
$(CONSOLE_DEPS): console/package.json console/package-lock.json
	cd console && npm ci --no-audit --no-fund
	@touch $@

.PHONY: console
console: $(CONSOLE_DEPS) ## Build the operator console into console/dist (committed; bin/idgate embeds it).
	cd console && npm run build

.PHONY: build
build: ## Build bin/idgate.
	GOGC=$(BUILD_GOGC) $(GO) build -o bin/idgate ./server/cmd/idgate

# make run builds what it starts: bin/idgate, and bin/stripe-mock unless STRIPE_SECRET_KEY or
# STRIPE_API_BASE points idgate at another Stripe (then run.sh starts no stripe-mock). One
# after the other: built at once from an empty cache, both compile the standard library, which
# costs more than the overlap saves (BENCHMARKS.md, "The first make run").
.PHONY: run
run: build $(if $(STRIPE_SECRET_KEY)$(STRIPE_API_BASE),,bin/stripe-mock) ## Serve on SQLite (./data); starts stripe-mock and the sandbox unless STRIPE_SECRET_KEY is set.
	@scripts/run.sh

.PHONY: test
test: bin/stripe-mock ## All tests: Go with -race on SQLite and PostgreSQL, then the console's.
	@scripts/test.sh
	@$(MAKE) --no-print-directory test-console

.PHONY: test-console
test-console: build bin/stripe-mock $(CONSOLE_DEPS) ## The console: Vitest units, then Playwright in Debian's chromium against bin/idgate.
	@test -x "$${CHROMIUM:-/usr/bin/chromium}" || { echo "test-console needs Chromium: apt-get install chromium (or set CHROMIUM=/path)"; exit 1; }
	cd console && npx vitest run && npx playwright test

.PHONY: test-kotlin
test-kotlin: build bin/stripe-mock protodeps $(MVN) ## The Kotlin client: generate from proto/, compile, test against bin/idgate.
	cd clients/kotlin && $(MVN) -B --no-transfer-progress verify

JSON_CLIENT_DEPS := clients/json/node_modules/.package-lock.json
$(JSON_CLIENT_DEPS): clients/json/package.json clients/json/package-lock.json
	cd clients/json && npm ci --no-audit --no-fund
	@touch $@

.PHONY: test-json-client
test-json-client: build bin/stripe-mock $(JSON_CLIENT_DEPS) ## A client generated from the OpenAPI document runs the rider flow against bin/idgate.
	cd clients/json && mkdir -p tmp && npm run --silent generate && npm run --silent build && npm run --silent flow

.PHONY: check-swift
check-swift: bin/buf protodeps ## The Swift template: buf builds the module and accepts clients/swift/buf.gen.swift.yaml.
	@clients/swift/check.sh

.PHONY: walkthrough
walkthrough: build bin/stripe-mock ## The README's walkthrough (scripts/walkthrough.sh) against a real make run, on SQLite and PostgreSQL.
	$(GO) vet -tags walkthrough ./test/walkthrough/
	@scripts/with-postgres.sh $(GO) test -tags walkthrough -count=1 -timeout 15m -v -run TestWalkthrough ./test/walkthrough/

.PHONY: storm
storm: build bin/stripe-mock ## Storm test (issue 10): 3 replicas on PostgreSQL, 1 on SQLite, faults.
	$(GO) vet -tags storm ./test/storm/
	IDGATE_BIN=$(BIN)/idgate $(GO) test -tags storm -count=1 -timeout 15m -v -run TestStorm ./test/storm/

.PHONY: bench
bench: build bin/stripe-mock ## Benchmarks (see BENCHMARKS.md).
	@scripts/bench.sh

.PHONY: migration
migration: ## Write the next migration for both dialects: make migration NAME=add_x
	@test -n "$(NAME)" || { echo "usage: make migration NAME=add_something"; exit 1; }
	$(GO) run ./ent/migrations/diff.go -dialect sqlite -name $(NAME)
	@scripts/with-postgres.sh sh -c '$(GO) run ./ent/migrations/diff.go -dialect postgres -dev "$$IDGATE_TEST_POSTGRES_URL" -name $(NAME)'

.PHONY: clean
clean:
	rm -rf bin tmp .cache
