# ptt: push-to-talk voice rooms in the terminal.
#   make run    start ptt
#   make install  ptt, ptt-relay, man pages, completions, the relay's systemd unit (PREFIX, DESTDIR)
#   make test   install what is missing, build, run every test
#   make bench  every benchmark, into BENCHMARKS.md (make bench-relay: the relay alone)
PREFIX   ?= /usr/local
SWIFT    ?= swift
export PATH := $(PATH):/opt/swift/usr/bin

# Debian packages the build and the tests need (PulseAudio and ALSA's pulse plugin: real-time
# audio devices for the playout tests, on a private server the tests start; man-db and systemd
# check the installed man pages and the relay's unit).
APT_PACKAGES = pkg-config libasound2-dev libopus-dev libspeexdsp-dev libncurses-dev \
               alsa-utils tmux espeak-ng sox opus-tools curl chromium python3 openssl \
               pulseaudio pulseaudio-utils libasound2-plugins man-db systemd \
               libpocketsphinx-dev pocketsphinx-en-us pocketsphinx-testdata libnats-dev nats-server
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

# Installs the Debian packages of $(1) that are missing.
define install_missing
	@missing=""; for p in $(1); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		echo "installing Debian packages:$$missing"; \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $$missing; \
	fi
endef

.PHONY: deps build release man test bench bench-deps bench-audio bench-relay bench-attack bench-latency bench-e2e bench-playout bench-scribe bench-cluster run install clean

deps:
	@command -v $(SWIFT) >/dev/null || { echo "error: no Swift toolchain on PATH (need Swift 6.2 or later)" >&2; exit 1; }
	$(call install_missing,$(APT_PACKAGES))

# The man pages come from swift-argument-parser's generate-manual plugin, written under
# $(MAN_DIR) (the install test reads them there too).
MAN_DIR = .build/plugins/GenerateManual/outputs

build: deps
	$(SWIFT) build --build-tests
	$(SWIFT) package plugin generate-manual --configuration debug --multi-page >/dev/null

release: deps
	$(SWIFT) build -c release --product ptt
	$(SWIFT) build -c release --product ptt-relay

man: release
	$(SWIFT) package plugin generate-manual --configuration release --multi-page

# Tests that run the built programs in real time (relay, clients, audio devices, tmux) get
# the machine to themselves: a second pass, one test at a time, so that a 2-core machine
# never starves their audio threads or their timeouts.
REALTIME_TESTS = PTTCommandTests|PTTRelayTests|PTTTerminalTests|PTTClientTests

# Each pass keeps its output in .build/test-NAME.log and, when it fails, ends with what failed.
test: build
	scripts/run-tests.sh unit $(SWIFT) test --skip-build --skip '$(REALTIME_TESTS)'
	scripts/run-tests.sh realtime $(SWIFT) test --skip-build --no-parallel --filter '$(REALTIME_TESTS)'


# Every benchmark. Each one rewrites its own section of BENCHMARKS.md, the text between its
# `<!-- bench-NAME:begin -->` and `<!-- bench-NAME:end -->` markers (scripts/update-benchmarks.sh):
# the numbers next to their targets, the command and the machine; the analysis around the markers
# is written by hand. BENCH_SECONDS: seconds measured per relay scenario and of the live audio path.
bench: bench-audio bench-relay bench-attack bench-latency bench-e2e bench-playout bench-scribe bench-cluster
# One benchmark at a time, even under make -j: they measure the machine and rewrite one file.
.NOTPARALLEL:
BENCH_SECONDS ?= 10

# Only the benchmarks need these (real-time ALSA devices through a private PulseAudio server; a C
# compiler and libcrypto's headers for the relay bench's floor forwarder), and a virtualenv with
# PESQ (pesq, numpy) and the Python relay's websockets, from PyPI.
BENCH_APT_PACKAGES = pulseaudio pulseaudio-utils libasound2-plugins alsa-utils sox python3-venv python3-dev \
                     gcc libssl-dev nats-server
BENCH_VENV = .build/bench-venv
bench-deps: deps
	$(call install_missing,$(BENCH_APT_PACKAGES))
	@[ -x $(BENCH_VENV)/bin/python ] || python3 -m venv $(BENCH_VENV)
	@$(BENCH_VENV)/bin/python -c 'import pesq, numpy, websockets' 2>/dev/null || $(BENCH_VENV)/bin/pip install --quiet pesq numpy websockets

# The relay under load next to its floor (bench/floor_forwarder.c, built by the script) and a Python
# websockets broadcast relay, unpinned and pinned (relay on CPU 0, load generator on CPU 1); rewrites
# BENCHMARKS.md's section between its bench-relay markers.
bench-relay: bench-deps
	$(SWIFT) build -c release --product ptt-relay
	$(SWIFT) build -c release --product ptt-loadgen
	PYTHON=$(BENCH_VENV)/bin/python BEFORE=$(BEFORE) BEFORE_LABEL="$(BEFORE_LABEL)" bench/run-relay-bench.sh "$$($(SWIFT) build -c release --show-bin-path)" $(BENCH_SECONDS) \
		> .build/bench-relay.md
	scripts/update-benchmarks.sh relay .build/bench-relay.md

# The relay under each attack of its hardening (bench/attack_relay.py) while a talker and a listener
# in another room measure their worst gap, and its peak RSS; with BEFORE=DIR (release binaries of
# another build) that relay too, in the same run. Rewrites BENCHMARKS.md's bench-attack section.
bench-attack: bench-deps
	$(SWIFT) build -c release --product ptt-relay
	$(SWIFT) build -c release --product ptt-loadgen
	PYTHON=$(BENCH_VENV)/bin/python BEFORE=$(BEFORE) BEFORE_LABEL="$(BEFORE_LABEL)" bench/run-attack-bench.sh "$$($(SWIFT) build -c release --show-bin-path)" $(BENCH_SECONDS) \
		> .build/bench-attack.md
	scripts/update-benchmarks.sh attack .build/bench-attack.md

# Mouth-to-ear latency through A → relay → B on PulseAudio null sinks, next to the audio stack's
# own floor; rewrites the section of BENCHMARKS.md between its bench-latency markers.
bench-latency: bench-deps
	$(SWIFT) build -c release --product ptt
	$(SWIFT) build -c release --product ptt-relay
	BIN="$$($(SWIFT) build -c release --show-bin-path)" PYTHON=$(BENCH_VENV)/bin/python RUNS=$(or $(RUNS),2) \
		scripts/bench-latency.sh > .build/bench-latency.md
	scripts/update-benchmarks.sh latency .build/bench-latency.md

# What a listener hears on PulseAudio (PESQ-WB, mouth-to-ear, its steadiness) with B's sink idle or
# shared, and through ptt-netem's jitter and stalls; with BEFORE=DIR (release binaries of another
# build) side by side with it. Rewrites BENCHMARKS.md's section between its bench-playout markers.
bench-playout: bench-deps
	$(SWIFT) build -c release --product ptt
	$(SWIFT) build -c release --product ptt-relay
	$(SWIFT) build -c release --product ptt-netem
	BIN="$$($(SWIFT) build -c release --show-bin-path)" PYTHON=$(BENCH_VENV)/bin/python BEFORE=$(BEFORE) BEFORE_LABEL="$(BEFORE_LABEL)" \
		scripts/bench-playout.sh > .build/bench-playout.md
	scripts/update-benchmarks.sh playout .build/bench-playout.md

# PESQ-WB end to end, client CPU/RSS, bytes on the wire, join time (file-plugin devices);
# rewrites BENCHMARKS.md's section between its bench-e2e markers.
bench-e2e: bench-deps
	$(SWIFT) build -c release --product ptt
	$(SWIFT) build -c release --product ptt-relay
	$(SWIFT) build -c release --product PTTAudioBench
	BIN="$$($(SWIFT) build -c release --show-bin-path)" PYTHON=$(BENCH_VENV)/bin/python \
		scripts/bench-e2e.sh > .build/bench-e2e.md
	scripts/update-benchmarks.sh e2e .build/bench-e2e.md

# Relays of a cluster on one NATS server: a frame's latency on one relay and across two, relay CPU
# per delivered frame on one relay and over three, a broadcast to 900 listeners over three relays;
# rewrites BENCHMARKS.md's section between its bench-cluster markers.
bench-cluster: bench-deps
	$(SWIFT) build -c release --product ptt-relay
	$(SWIFT) build -c release --product ptt-loadgen
	bench/run-cluster-bench.sh "$$($(SWIFT) build -c release --show-bin-path)" $(BENCH_SECONDS) > .build/bench-cluster.md
	scripts/update-benchmarks.sh cluster .build/bench-cluster.md

# The scribe on real speech: word error rate against the recognizer on the raw files, spurt end to
# caption, CPU per second of speech, speakers one core keeps up with; rewrites BENCHMARKS.md's
# section between its bench-scribe markers.
bench-scribe: bench-deps
	$(SWIFT) build -c release --product ptt
	$(SWIFT) build -c release --product ptt-relay
	$(SWIFT) build -c release --product PTTScribeBench
	BIN="$$($(SWIFT) build -c release --show-bin-path)" PYTHON=$(BENCH_VENV)/bin/python \
		scripts/bench-scribe.sh > .build/bench-scribe.md
	scripts/update-benchmarks.sh scribe .build/bench-scribe.md

# Audio benchmarks (Opus cost, PESQ-WB under loss, CPU and RSS of the audio path, pre-roll delay);
# rewrites BENCHMARKS.md's section between its bench-audio markers.
bench-audio: bench-deps
	$(SWIFT) build -c release --product PTTAudioBench
	BIN="$$($(SWIFT) build -c release --show-bin-path)" PYTHON=$(BENCH_VENV)/bin/python \
		scripts/bench-audio.sh $(BENCH_SECONDS) > .build/bench-audio.md
	scripts/update-benchmarks.sh audio .build/bench-audio.md

# Hosts the room "lobby" (a relay inside ptt on 0.0.0.0:7700, with a random token that the
# join command on the screen carries) and joins it as you.
RUN_NAME := $(or $(USER),$(shell id -un 2>/dev/null),guest)
run: release
	$(SWIFT) run -c release --skip-build ptt $(or $(ARGS),join lobby $(RUN_NAME) --host)

# ptt and ptt-relay in $(PREFIX)/bin, their man pages, bash, zsh and fish completions, the
# relay's systemd unit, and /etc/ptt/relay.toml when there is none (scripts/install.sh).
install: man
	DESTDIR="$(DESTDIR)" PREFIX="$(PREFIX)" scripts/install.sh "$$($(SWIFT) build -c release --show-bin-path)" $(MAN_DIR)

clean:
	rm -rf .build
