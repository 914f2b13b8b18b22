#!/bin/sh
# Benchmarks the ptt relay and the Python websockets broadcast relay with the same load
# generator (see BENCHMARKS.md). Usage: bench/run-relay-bench.sh BIN_DIR [SECONDS]
# Everything runs on 127.0.0.1; every process started here is stopped here.
set -eu
BIN=${1:?usage: run-relay-bench.sh BIN_DIR [SECONDS]}
SECONDS_PER_RUN=${2:-10}
HERE=$(cd "$(dirname "$0")" && pwd)
OUT=$(mktemp -d)
trap 'kill $RELAY_PID 2>/dev/null || true; rm -rf "$OUT"' EXIT INT TERM
RELAY_PID=

start() { # name, command...
    name=$1; shift
    "$@" >"$OUT/$name.out" 2>"$OUT/$name.err" &
    RELAY_PID=$!
    for _ in $(seq 100); do
        grep -q "listening on" "$OUT/$name.out" 2>/dev/null && break
        sleep 0.1
    done
    URL=$(sed -n 's/^listening on \(ws:[^ ]*\).*/\1/p' "$OUT/$name.out" | head -1)
    [ -n "$URL" ] || { echo "$name did not start" >&2; cat "$OUT/$name.err" >&2; exit 1; }
}

stop() {
    kill "$RELAY_PID" 2>/dev/null || true
    wait "$RELAY_PID" 2>/dev/null || true
    RELAY_PID=
}

load() { # label, extra loadgen flags...
    label=$1; shift
    "$BIN/ptt-loadgen" --url "$URL" --relay-pid "$RELAY_PID" --label "$label" --seconds "$SECONDS_PER_RUN" "$@"
}

python3 -c "import websockets" 2>/dev/null || pip install --quiet websockets

echo "# ptt-relay"
start ptt-relay "$BIN/ptt-relay" --bind 127.0.0.1:0 --log-level warning --max-room-members 100 --max-connections 5000 --max-rooms 2000
load "ptt-relay idle"         --rooms 100 --members 10 --talkers 0
stop
start ptt-relay "$BIN/ptt-relay" --bind 127.0.0.1:0 --log-level warning --max-room-members 100 --max-connections 5000 --max-rooms 2000
load "ptt-relay 10k"          --rooms 25  --members 9  --talkers 1
load "ptt-relay 20k"          --rooms 50  --members 9  --talkers 1
load "ptt-relay 40k"          --rooms 100 --members 9  --talkers 1
load "ptt-relay 40k-big-rooms" --rooms 4  --members 51 --talkers 4
stop

echo "# python websockets broadcast relay"
start python python3 "$HERE/broadcast_relay.py" 127.0.0.1 0
load "python idle"            --rooms 100 --members 10 --talkers 0 --plain
load "python 10k"             --rooms 25  --members 9  --talkers 1 --plain
load "python 20k"             --rooms 50  --members 9  --talkers 1 --plain
load "python 40k"             --rooms 100 --members 9  --talkers 1 --plain
stop
