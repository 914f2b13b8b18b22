# Shared by the bench scripts (sourced, not run): failing loudly, waiting for a line, starting
# a client with its stdin held open, CPU ticks of a process, the speech the end-to-end benches
# say, and which commit was measured.

bench_fail() { # message
    echo "${BENCH_NAME:-bench}: $*" >&2
    exit 1
}

# Waits until FILE has a line matching PATTERN (grep -E), at most SECONDS; fails the bench
# with WHAT and the file's last lines when it does not come.
wait_for_line() { # file pattern seconds what
    local file=$1 pattern=$2 seconds=$3 what=$4 i
    for ((i = 0; i < seconds * 20; i++)); do
        grep -qE "$pattern" "$file" 2>/dev/null && return 0
        sleep 0.05
    done
    grep -qE "$pattern" "$file" 2>/dev/null && return 0
    bench_fail "$what did not come within $seconds s; $file ends with: $(tail -n 5 "$file" 2>/dev/null)"
}

# Starts COMMAND in the background with its stdin on a fifo held open by a sleeping writer for
# SECONDS (so end of input does not end a `ptt join --json`); the fifo is FIFO. Appends both
# pids to PIDS and leaves the command's pid in LAST.
start_with_held_stdin() { # fifo seconds command...
    local fifo=$1 seconds=$2; shift 2
    mkfifo "$fifo"
    sleep "$seconds" > "$fifo" & PIDS+=($!)
    "$@" < "$fifo" &
    PIDS+=($!)
    LAST=$!
}

# CPU time of a process so far, in clock ticks (utime + stime, /proc/PID/stat).
# A temporary directory DIR (mktemp template TEMPLATE) and, on exit, the processes in PIDS
# (which the caller appends to) ended and DIR removed (kept with KEEP=1).
bench_workspace() { # template
    DIR=$(mktemp -d "$1")
    PIDS=()
    trap bench_cleanup EXIT
}
bench_cleanup() {
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
    for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
    [ -n "${KEEP:-}" ] || rm -rf "$DIR"
}

cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }

# The speech the end-to-end benches say (espeak-ng at 150 words per minute).
SPEECH_TEXT="The quick brown fox jumps over the lazy dog. \
Push to talk works best when the latency stays low and the voice stays clear. \
Please hold the space bar while you speak, and release it when you are done."

# The checked-out commit, and whether the tree differs from it (BENCHMARKS.md aside: the
# benches themselves rewrite it).
tree_commit() {
    local c
    c=$(git rev-parse --short HEAD 2>/dev/null) || { echo "a tree outside git"; return; }
    git diff --quiet HEAD -- . ':!BENCHMARKS.md' 2>/dev/null && echo "commit $c" || echo "commit $c with uncommitted changes"
}

# A private PulseAudio server in a fresh directory DIR (run as nobody: PulseAudio refuses root), with a stereo null
# sink `both` whose left channel is remapped into a microphone `mic` and whose right channel is fed
# by a speaker `spk`: one recording of `both.monitor` holds what went in and what came out on one
# clock. ALSA reaches them as `pa_mic` and `pa_spk`. Sets DIR and PULSE_PID, exports PULSE_SERVER
# and ALSA_CONFIG_PATH. On exit, the processes in PIDS (which the caller appends to), the server
# and DIR go.
start_private_pulse() { # dir
    local dir=$1
    DIR=$dir
    PIDS=()
    trap stop_private_pulse EXIT
    chmod 755 "$dir"
    mkdir "$dir/pa" && chown nobody "$dir/pa" && chmod 700 "$dir/pa"
    local socket="$dir/pa/native"
    setpriv --reuid=nobody --regid=nogroup --clear-groups env XDG_RUNTIME_DIR="$dir/pa" HOME="$dir/pa" \
        pulseaudio --daemonize=no --exit-idle-time=-1 -n --use-pid-file=no --disable-shm=yes \
        --load="module-native-protocol-unix auth-anonymous=1 socket=$socket" \
        --load='module-null-sink sink_name=both channels=2 rate=48000' \
        --load='module-remap-source source_name=mic master=both.monitor channels=1 master_channel_map=front-left channel_map=mono' \
        --load='module-remap-sink sink_name=spk master=both channels=1 master_channel_map=front-right channel_map=mono' \
        >"$dir/pulse.log" 2>&1 &
    PULSE_PID=$!
    export PULSE_SERVER="unix:$socket"
    for _ in $(seq 50); do pactl info >/dev/null 2>&1 && break; sleep 0.1; done
    pactl info >/dev/null 2>&1 || bench_fail "PulseAudio did not start: $(tail -n 5 "$dir/pulse.log")"
    cat > "$dir/alsa.conf" <<CONF
pcm.pa_mic { type pulse device "mic" server "unix:$socket" }
pcm.pa_spk { type pulse device "spk" server "unix:$socket" }
CONF
    export ALSA_CONFIG_PATH="/usr/share/alsa/alsa.conf:$dir/alsa.conf"
}

# Stops what start_private_pulse and its caller started, and removes DIR.
stop_private_pulse() {
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
    for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
    if [ -n "${PULSE_PID:-}" ]; then kill "$PULSE_PID" 2>/dev/null || true; wait "$PULSE_PID" 2>/dev/null || true; fi
    rm -rf "$DIR"
}

# ptt-relay's flags in the relay benches (bench-relay, relay-rounds): loopback, quiet, limits
# above what the scenarios need.
RELAY_BENCH_FLAGS=(--bind 127.0.0.1:0 --log-level warning --max-room-members 100 --max-connections 5000 --max-rooms 2000)

# Builds bench/floor_forwarder.c into OUTPUT with CC (cc); fails the bench with the compiler's words.
build_floor_forwarder() { # output
    local here
    here=$(cd "$(dirname "${BASH_SOURCE[0]}")/../bench" && pwd)
    "${CC:-cc}" -O2 -o "$1" "$here/floor_forwarder.c" -lcrypto 2>"$1.err" \
        || bench_fail "bench/floor_forwarder.c did not build: $(cat "$1.err")"
}
