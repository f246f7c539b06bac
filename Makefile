# concbench: `make report` measures and charts; `make test` is what CI runs.
GO        ?= go
BIN       := bin/concbench
GOBIN     := $(shell $(GO) env GOPATH)/bin
STATICCHECK ?= $(GOBIN)/staticcheck
SUITE     ?= default

.PHONY: all build test vet fmt-check staticcheck bench bench-short report report-quick clean provision-test provision-report

all: build

build:
	$(GO) build -o $(BIN) ./cmd/concbench

## provision-test, provision-report: install with apt-get (as root) what the
## tests or the report need beyond Go and make, when missing: chromium (the
## browser test), python3, python3-uvloop, nodejs (the runtime models). Not
## root: stops with one line naming the command. See scripts/provision.sh.
provision-test:
	@./scripts/provision.sh test

provision-report:
	@./scripts/provision.sh report

## test: vet, gofmt check, staticcheck and the race-enabled tests (CI runs this).
test: provision-test vet fmt-check staticcheck
	$(GO) test -race -count=1 -timeout 8m ./...

vet:
	$(GO) vet ./...
	GOOS=darwin $(GO) vet ./...

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt needed on:"; echo "$$out"; exit 1; fi

staticcheck:
	@test -x $(STATICCHECK) || $(GO) install honnef.co/go/tools/cmd/staticcheck@v0.8.2
	$(STATICCHECK) ./...

## bench: the in-process benchmarks, benchstat-friendly (see README).
bench:
	$(GO) test -run '^$$' -bench . -benchtime 1x ./... | tee bench.txt

bench-short:
	$(GO) test -run '^$$' -bench . -benchtime 1x -short ./bench/

## report: run the default suite (each trial in a fresh process) and render results/$(SUITE).
report: provision-report build
	./scripts/report.sh $(BIN) $(SUITE)

report-quick:
	$(MAKE) report SUITE=quick

clean:
	rm -rf bin bench.txt
