# ytharvest. `make demo` and `make test` need only Go (1.26+).
GO       ?= go
VERSION  ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo devel)
LDFLAGS  := -X main.version=$(VERSION)
FUZZTIME ?= 30s
STATICCHECK := honnef.co/go/tools/cmd/staticcheck@v0.8.2

.PHONY: all build demo test check fuzz bench clean

all: check test

build:
	$(GO) build -ldflags "$(LDFLAGS)" -o bin/ytharvest ./cmd/ytharvest

# The main job end to end, offline: fake news site + fake YouTube on
# loopback, crawled into demo.db, then stats and example queries.
demo: build
	$(GO) run ./internal/demo -bin bin/ytharvest -db demo.db

# The whole suite under the race detector, then the tests that measure
# (time or memory ratios), which skip under -race: they run again here
# without it, so CI runs them too.
MEASURING = TestThroughputRatio|TestFrontierMemory|TestHostileBinary|TestThreeWorkers

# The tests use Debian's sqlite-utils, chromium and postgresql:
# .ci/deps.sh installs the missing ones (as root). The PostgreSQL tests need
# a server: .ci/postgres.sh starts Debian's when none answers (as root), with
# the role and database internal/pgtest uses; $YTHARVEST_TEST_POSTGRES
# points them at another.
test:
	sh .ci/deps.sh
	sh .ci/postgres.sh
	$(GO) test -race ./...
	$(GO) test -p 1 -count=1 -run '$(MEASURING)' ./harvest/extract ./cmd/ytharvest

check:
	@out=$$(gofmt -l .); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	$(GO) run $(STATICCHECK) ./...

# Each fuzz target for FUZZTIME (go test -fuzz takes one target at a time).
FUZZ_TARGETS = \
	harvest/crawl:FuzzNormalize harvest/crawl:FuzzParseSitemap harvest/crawl:FuzzParseFeed \
	harvest/crawl:FuzzParseRobots harvest/crawl:FuzzSniff \
	harvest/extract:FuzzExtract harvest/extract:FuzzParseURL harvest/extract:FuzzFastPath \
	harvest/youtube:FuzzParseJSON3 harvest/youtube:FuzzParseSRV3 harvest/youtube:FuzzParseLegacyXML \
	cmd/ytharvest:FuzzAppendJSONString db:FuzzSearchQuery db/postgres:FuzzTSQuery \
	internal/testserver:FuzzTranscriptParams

fuzz:
	@for t in $(FUZZ_TARGETS); do \
		pkg=$${t%%:*}; fn=$${t##*:}; \
		echo "== $$fn ($$pkg)"; \
		$(GO) test -run='^$$' -fuzz="^$$fn$$" -fuzztime=$(FUZZTIME) ./$$pkg || exit 1; \
	done

# Go benchmarks, the measuring tests (they skip under -race, so make test
# does not run them), then the crawl benchmark: ytharvest and colly side by
# side on a generated 10,000-page loopback site (bench/ is its own module).
bench: build
	$(GO) test -run='^$$' -bench=. -benchmem ./...
	$(GO) test -count=1 -run='$(MEASURING)' -v ./harvest/extract ./cmd/ytharvest
	cd bench && $(GO) run . -bin ../bin/ytharvest -pages 10000
	cd bench && $(GO) run . -bin ../bin/ytharvest -hosts 500 -host-pages 10 -runs 3
	cd bench && $(GO) run . -bin ../bin/ytharvest -hosts 1000 -host-pages 5 -runs 3
	sh .ci/postgres.sh
	cd bench && $(GO) run . -bin ../bin/ytharvest -pg "$${YTHARVEST_TEST_POSTGRES:-postgres://ytharvest:ytharvest@127.0.0.1:5432/ytharvest_test?sslmode=disable}" \
		-hosts 64 -host-pages 25 -latency 100ms -worker-concurrency 4 -youtube-rate 5

clean:
	rm -rf bin demo.db demo.db-wal demo.db-shm
