# Every target is a thin wrapper: the scripts in scripts/ hold the logic so CI
# and people run exactly the same thing.
.PHONY: test run build lint bench

test: ## set up what the tests need, then run every test with the race detector
	./scripts/test.sh

run: ## run Weft with its embedded demo
	go run ./cmd/weft serve

build:
	go build -o bin/weft ./cmd/weft

lint:
	gofmt -l . | (! grep .) && go vet ./...

bench: ## load benchmark: weft against a direct call and a reverse proxy (installs wrk); BENCH_ARGS="--cases small" passes flags
	./scripts/bench.sh $(BENCH_ARGS)
