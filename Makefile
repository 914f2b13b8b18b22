# ptt: push-to-talk voice rooms in the terminal.
#   make run    start ptt
#   make test   install what is missing, build, run every test
#   make bench  benchmarks (make bench-relay: the relay alone)
PREFIX   ?= /usr/local
SWIFT    ?= swift
export PATH := $(PATH):/opt/swift/usr/bin

# Debian packages the build and the tests need.
APT_PACKAGES = pkg-config libasound2-dev libopus-dev libncurses-dev \
               alsa-utils tmux espeak-ng sox opus-tools
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: deps build release test bench bench-relay run install clean

deps:
	@command -v $(SWIFT) >/dev/null || { echo "error: no Swift toolchain on PATH (need Swift 6.2 or later)" >&2; exit 1; }
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		echo "installing Debian packages:$$missing"; \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $$missing; \
	fi

build: deps
	$(SWIFT) build --build-tests

release: deps
	$(SWIFT) build -c release --product ptt

test: build
	$(SWIFT) test --skip-build

bench: release bench-relay

# The relay under load next to a Python websockets broadcast relay (results: BENCHMARKS.md).
BENCH_SECONDS ?= 10
bench-relay: deps
	$(SWIFT) build -c release --product ptt-relay
	$(SWIFT) build -c release --product ptt-loadgen
	bench/run-relay-bench.sh "$$($(SWIFT) build -c release --show-bin-path)" $(BENCH_SECONDS)

run: release
	$(SWIFT) run -c release --skip-build ptt $(ARGS)

install: release
	install -d $(DESTDIR)$(PREFIX)/bin
	install -m 0755 $$($(SWIFT) build -c release --show-bin-path)/ptt $(DESTDIR)$(PREFIX)/bin/ptt

clean:
	rm -rf .build
