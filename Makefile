# simrun: see README.md. `make demo` builds and runs the bundled pi
# experiment; `make test` runs the test suite (what CI runs).

GO       ?= go
BIN      := bin/simrun
# The revision, and whether the tree differs from it, stamped into the
# binary for results.json: this machine builds with -buildvcs=false, so
# the toolchain records neither.
REVISION := $(shell git rev-parse HEAD 2>/dev/null)
MODIFIED := $(shell git status --porcelain 2>/dev/null | grep -q . && echo true || echo false)
LDFLAGS  := -X github.com/simrun/simrun/buildinfo.Revision=$(REVISION) -X github.com/simrun/simrun/buildinfo.Modified=$(MODIFIED)
# Fuzz budgets are execution counts, not durations: a duration races Go
# 1.26's fuzzing coordinator and can fail with 'context deadline exceeded'
# and no crasher (golang/go#75804, fixed in Go 1.27).
FUZZTIME ?= 500000x

.PHONY: helpers all build demo figures test test-slurm-long lint race fuzz bench clean

all: build

build:
	$(GO) build -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/simrun

demo: build
	$(BIN) run experiments/pi.toml

# Every figure of experiments/: runs each file (results in results/NAME)
# and copies its figures to docs/figures, which the README shows.
FIGURES := docs/figures
figures: build
	@mkdir -p $(FIGURES)
	@set -e; for f in experiments/*.toml; do \
	  echo "== $$f"; \
	  $(BIN) run --quiet $$f; \
	done
	@set -e; for f in experiments/*.toml; do \
	  name=$$(basename $$f .toml); \
	  for img in results/$$name/*.png results/$$name/*.svg; do \
	    [ -e "$$img" ] && cp "$$img" $(FIGURES)/; \
	  done; \
	done; true
	@ls $(FIGURES)

# The whole suite, the kernels again without assembly (-tags purego: what
# CPUs without AVX2 run), the example module built outside the tree (its
# tests, a run killed and resumed, verify, check), staticcheck, then each
# fuzz target briefly. Go modules download themselves; nothing else is
# needed.
test: lint
	$(GO) test -count=1 ./...
	$(GO) test -count=1 -tags purego ./kernels
	bash scripts/example-test.sh
	$(MAKE) helpers
	$(MAKE) fuzz FUZZTIME=20000x

# The helpers for kernels in other languages, by their own tests: the
# Python helper under Debian's python3 (with numpy, scripts/deps.sh test),
# the C header, and the awk kernel written from the protocol page.
PYTHON ?= /usr/bin/python3
helpers:
	$(PYTHON) -m unittest discover -s external/lang/python
	bash external/lang/c/test.sh
	sh examples/dice-awk/test.sh

# The Slurm tests that take minutes, about 9 in all: a 2000-shard campaign
# (1000 tasks on a cluster at Slurm's default MaxArraySize), and a task
# that reaches its time limit and is resubmitted. Needs a cluster, such as
# scripts/slurm-local.sh start; .ci/run runs it after make test.
test-slurm-long:
	SIMRUN_SLURM_LONG=1 $(GO) test -count=1 -timeout 40m -run 'TestSlurmCampaign2000|TestSlurmTimeLimit' -v ./cli

# go vet and staticcheck (a pinned version, fetched by the go command).
STATICCHECK ?= honnef.co/go/tools/cmd/staticcheck@v0.8.2
lint:
	$(GO) vet ./...
	cd examples/birthday && $(GO) vet ./... && GOFLAGS=-buildvcs=false $(GO) run $(STATICCHECK) ./...
	GOFLAGS=-buildvcs=false $(GO) run $(STATICCHECK) ./...

# The suite under the race detector: about 5 minutes on 2 cores, so not
# part of make test.
race:
	$(GO) test -race -count=1 ./...

# Each fuzz target for FUZZTIME executions (make test runs 20000x each).
# Only the packages whose tests declare a fuzz target are listed: listing
# one links its test binary, which for every package took 25 s. (The
# modules under examples/ are not this one: their tests are their own.)
fuzz:
	@set -e; for pkg in $$(grep -rl --include='*_test.go' --exclude-dir=examples '^func Fuzz' . | xargs -n1 dirname | sort -u); do \
	  for f in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz' || true); do \
	    echo "fuzz $$pkg $$f"; \
	    $(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) $$pkg; \
	  done; \
	done

# Benchmarks: simrun against its Python peers (multiprocessing + numpy,
# bench/python), scaling, memory and the go test benchmarks: 3-4 minutes on
# 2 cores. Writes the figures into docs/performance.md (between its
# benchsim markers) and docs/performance.png. Run it on an idle machine.
# Then merge and status of campaigns of 100, 1,000 and 10,000 shards
# (bench/cmd/benchmerge, about a minute, its own markers), and the sweep
# of a million points and the run of 10^7 chunks beside a Python peer
# (bench/cmd/benchscale, about 3 minutes, its own markers).
# BENCHFLAGS=-quick tries the harness at small sizes (give it -out and -png).
BENCHFLAGS ?=
bench: build
	bash scripts/deps.sh bench
	sh bench/setup.sh
	$(GO) run ./bench/cmd/benchsim -go $(GO) -simrun $(BIN) -python /usr/bin/python3 $(BENCHFLAGS)
	$(GO) run ./bench/cmd/benchext -simrun $(BIN) -python /usr/bin/python3 $(BENCHFLAGS)
	$(GO) run ./bench/cmd/benchmerge $(BENCHFLAGS)
	$(GO) run ./bench/cmd/benchscale -go $(GO) -simrun $(BIN) -python /usr/bin/python3 $(BENCHFLAGS)
	$(GO) run ./bench/cmd/benchcoverage $(BENCHFLAGS)

clean:
	rm -rf bin results
