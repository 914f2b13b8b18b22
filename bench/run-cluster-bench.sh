#!/usr/bin/env bash
# Relays of a cluster (`ptt-relay --cluster`) on one NATS server, all on 127.0.0.1, measured with
# ptt-loadgen (synthetic 20 ms frames carrying their send time):
#   - a frame's latency when talker and listener are on one relay, and when they are on two
#     (one NATS hop: relay → nats-server → relay), p50 and p99;
#   - relay CPU per delivered frame, 10 rooms of 6 members with one talker, on one relay against
#     the same rooms spread over 3 relays (CPU of all relays, summed; nats-server's apart);
#   - a broadcast: one talker, 900 listeners spread over 3 relays (300 each), delivery and p99.
# Usage: bench/run-cluster-bench.sh BIN_DIR SECONDS
set -euo pipefail
cd "$(dirname "$0")/.."
BENCH_NAME=bench-cluster
source scripts/bench-lib.sh
BIN=$1
SECONDS_PER_RUN=${2:-10}
bench_workspace /tmp/ptt-cluster.XXXXXX
LOAD_AT_START=$(cut -d' ' -f1-3 /proc/loadavg)
NATS_PORT=$((20000 + RANDOM % 10000))
/usr/sbin/nats-server -a 127.0.0.1 -p $NATS_PORT > "$DIR/nats.log" 2>&1 &
NATS=$!
PIDS+=($NATS)
for _ in $(seq 100); do (echo > /dev/tcp/127.0.0.1/$NATS_PORT) 2>/dev/null && break; sleep 0.05; done

RELAY_PIDS=()
URLS=()
for i in 1 2 3; do
    "$BIN/ptt-relay" --bind 127.0.0.1:0 --cluster nats://127.0.0.1:$NATS_PORT --max-room-members 1000 --max-connections 5000 \
        --log-level warning > "$DIR/relay$i.out" 2>"$DIR/relay$i.err" &
    RELAY_PIDS+=($!)
    PIDS+=($!)
    wait_for_line "$DIR/relay$i.out" "listening on" 10 "relay $i's \"listening on\""
    URLS+=("$(sed -n 's/^listening on //p' "$DIR/relay$i.out")")
done
sleep 1.5 # heartbeats

run() { # label urls pids... -- loadgen options
    local label=$1 urls=$2; shift 2
    local pids=()
    while [ "$1" != "--" ]; do pids+=(--relay-pid "$1"); shift; done
    shift
    local cpu0 cpu1
    cpu0=$(cpu_ticks $NATS)
    local line
    line=$("$BIN/ptt-loadgen" --url "$urls" "${pids[@]}" --label "$label" --seconds "$SECONDS_PER_RUN" "$@")
    cpu1=$(cpu_ticks $NATS)
    echo "$line nats-cpu=$(awk -v a="$cpu0" -v b="$cpu1" -v s="$SECONDS_PER_RUN" -v hz="$(getconf CLK_TCK)" 'BEGIN { printf "%.1f%%", (b - a) / hz / s * 100 }')"
}

u1=${URLS[0]} u2=${URLS[1]} u3=${URLS[2]}
p1=${RELAY_PIDS[0]} p2=${RELAY_PIDS[1]} p3=${RELAY_PIDS[2]}
{
    run "one relay, 1 room of 2" "$u1" $p1 -- --rooms 1 --members 2 --talkers 1
    run "two relays, 1 room of 2" "$u1,$u2" $p1 $p2 -- --rooms 1 --members 2 --talkers 1
    run "one relay, 10x6" "$u1" $p1 -- --rooms 10 --members 6 --talkers 1
    run "three relays, 10x6" "$u1,$u2,$u3" $p1 $p2 $p3 -- --rooms 10 --members 6 --talkers 1
    run "broadcast, 1 + 3x300" "$u1,$u2,$u3" $p1 $p2 $p3 -- --rooms 1 --members 901 --talkers 1 --threads 2
} > "$DIR/lines.txt"

echo "nats-server $(/usr/sbin/nats-server --version 2>&1 | head -1), 3 relays and ptt-loadgen on one machine; $(tree_commit); load average $LOAD_AT_START at the start; ${SECONDS_PER_RUN} s per run."
echo
echo '| run | delivered/s | delivery | p50 | p99 | relays CPU | relay CPU per delivered frame | nats-server CPU |'
echo '|---|---|---|---|---|---|---|---|'
sed -E 's/^([^:]*): .* delivered\/s=([0-9.]+) .* ratio=([0-9.]+%) p50=([0-9.]+ms) p99=([0-9.]+ms) .* relay-cpu=([0-9.]+%) relay-cpu\/frame=([0-9.]+us) .* nats-cpu=([0-9.]+%)$/| \1 | \2 | \3 | \4 | \5 | \6 | \7 | \8 |/' "$DIR/lines.txt"
