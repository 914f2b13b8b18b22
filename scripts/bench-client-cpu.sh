#!/usr/bin/env bash
# Client cost side by side: bench-e2e's cost scenario (a client talking in open mode and hearing
# three open-mode speakers through a relay on 127.0.0.1, ALSA file-plugin devices), run in turns
# for each `ptt` binary given, so builds are compared under the same load.
# Per run: CPU of the measured client in % of one core, as bench-e2e measures it (utime + stime
# in clock ticks from /proc/PID/stat) and from the scheduler's nanosecond run times (the sum of
# /proc/PID/task/*/schedstat: steadier on a busy machine), and its context switches per second
# (voluntary + involuntary, all threads). The relay and the three speakers always run a copy of
# the first binary's directory, so only the measured client differs.
# Every run starts the measured client from a fresh copy of its executable: on the development VM
# two byte-identical copies measured up to 0.9 point apart, run after run (where their pages
# landed in memory), so a comparison of single copies can measure placement instead of code.
# Usage: scripts/bench-client-cpu.sh [-r ROUNDS] [-s SECONDS] BIN_DIR [BIN_DIR...]
set -euo pipefail
cd "$(dirname "$0")/.."
BENCH_NAME=bench-client-cpu
source scripts/bench-lib.sh
PYTHON=${PYTHON:-python3}
ROUNDS=3
SECONDS_MEASURED=10
while getopts "r:s:" opt; do
    case $opt in
        r) ROUNDS=$OPTARG ;;
        s) SECONDS_MEASURED=$OPTARG ;;
        *) echo "usage: $0 [-r ROUNDS] [-s SECONDS] BIN_DIR [BIN_DIR...]" >&2; exit 2 ;;
    esac
done
shift $((OPTIND - 1))
[ $# -ge 1 ] || { echo "usage: $0 [-r ROUNDS] [-s SECONDS] BIN_DIR [BIN_DIR...]" >&2; exit 2; }
BINS=("$@")
DIR=$(mktemp -d /tmp/ptt-client-cpu.XXXXXX)
PIDS=()
cleanup() {
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
    for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
    [ -n "${KEEP:-}" ] || rm -rf "$DIR"
}
trap cleanup EXIT
export ALSA_CONFIG_PATH="/usr/share/alsa/alsa.conf:$PWD/Resources/alsa/ptt-test.conf"

espeak-ng -s 150 -w "$DIR/speech.wav" "$SPEECH_TEXT"
# 1 s of silence, the speech, 30 s of silence (past its end the file plugin repeats stale data).
sox -q "$DIR/speech.wav" -r 48000 -c 1 -b 16 -e signed -t raw - | \
    sox -q -t raw -r 48000 -c 1 -b 16 -e signed - -t raw "$DIR/mic.raw" pad 1 30

BASE="$DIR/base"
mkdir "$BASE"
cp "${BINS[0]}/ptt" "${BINS[0]}/ptt-relay" "$BASE/"
PORT=$((20000 + RANDOM % 20000))
"$BASE/ptt-relay" --bind 127.0.0.1:$PORT --log-level warning > "$DIR/relay.out" 2>&1 &
PIDS+=($!)
wait_for_line "$DIR/relay.out" "listening on" 10 "the relay's \"listening on\""

join() { # bin room name log
    local bin=$1 room=$2 name=$3 log=$4
    start_with_held_stdin "$DIR/$room-$name.in" 600 env TEST_ALSA_IN="$DIR/mic.raw" TEST_ALSA_OUT=/dev/null \
        "$bin/ptt" join "$room" "$name" --relay "ws://127.0.0.1:$PORT" --json --no-cues --mode open > "$log" 2>&1
}
runtime() { cat /proc/$1/task/*/schedstat | awk '{ n += $1 } END { printf "%.0f", n }'; }
switches() { cat /proc/$1/task/*/status | awk '/ctxt_switches/ { n += $2 } END { print n }'; }
hz=$(getconf CLK_TCK)

echo "load at start: $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-6s %-40s %8s %12s %10s\n' round binary "cpu %" "sched cpu %" "switches/s"
declare -A RESULTS SCHED
for round in $(seq "$ROUNDS"); do
    for i in "${!BINS[@]}"; do
        room="r$round-$i"
        start=${#PIDS[@]}
        for s in 1 2 3; do join "$BASE" "$room" "speaker$s" "$DIR/$room-s$s.log"; done
        mkdir "$DIR/$room"
        cp "${BINS[$i]}/ptt" "$DIR/$room/"
        # Written back and dropped from the page cache: the client loads it from disk, as any
        # first start does, rather than from the pages the copy left behind.
        "$PYTHON" -c 'import os, sys
fd = os.open(sys.argv[1], os.O_RDONLY); os.fsync(fd); os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)' "$DIR/$room/ptt"
        join "$DIR/$room" "$room" measured "$DIR/$room-a.log"
        A=$LAST
        sleep 2
        c0=$(cpu_ticks $A); r0=$(runtime $A); w0=$(switches $A); t0=$(date +%s%N)
        sleep "$SECONDS_MEASURED"
        c1=$(cpu_ticks $A); r1=$(runtime $A); w1=$(switches $A); t1=$(date +%s%N)
        read -r cpu sched sw <<<"$(awk -v c=$((c1 - c0)) -v r=$((r1 - r0)) -v w=$((w1 - w0)) -v hz="$hz" -v ns=$((t1 - t0)) \
            'BEGIN { s = ns / 1e9; printf "%.2f %.2f %.0f", 100 * c / hz / s, 100 * r / ns, w / s }')"
        printf '%-6s %-40s %8s %12s %10s\n' "$round" "${BINS[$i]}" "$cpu" "$sched" "$sw"
        RESULTS[$i]="${RESULTS[$i]:-} $cpu"
        SCHED[$i]="${SCHED[$i]:-} $sched"
        for p in "${PIDS[@]:$start}"; do kill "$p" 2>/dev/null || true; done
        for p in "${PIDS[@]:$start}"; do wait "$p" 2>/dev/null || true; done
        PIDS=("${PIDS[@]:0:$start}")
        rm -rf "$DIR/$room"
    done
done
echo
median() { printf '%s\n' "$@" | sort -n | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
for i in "${!BINS[@]}"; do
    echo "${BINS[$i]}: cpu % per round:${RESULTS[$i]}; median $(median ${RESULTS[$i]})"
    echo "${BINS[$i]}: sched cpu % per round:${SCHED[$i]}; median $(median ${SCHED[$i]})"
done
echo "load at end: $(cut -d' ' -f1-3 /proc/loadavg)"
