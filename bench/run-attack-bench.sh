#!/usr/bin/env bash
# The relay under attack: while each attack of bench/attack_relay.py runs against a fresh relay, a
# talker and a listener in another room (ptt-loadgen, 50 frames/s) measure the worst gap between
# two frames and their delay, and the relay's peak RSS is read. With BEFORE=DIR, the ptt-relay
# there (an earlier build) goes through the same attacks in the same run. Writes markdown on
# stdout for scripts/update-benchmarks.sh; progress goes to stderr. Everything runs on
# 127.0.0.1 (attackers from 127.0.0.2 and up; this build's relay runs with --limit-loopback so
# that they are remote addresses to it). Every relay runs with `ulimit -n 4096`, so that what
# exhausts descriptors shows within a run.
# Usage: bench/run-attack-bench.sh BIN_DIR [SECONDS] > .build/bench-attack.md
set -euo pipefail
BIN=${1:?usage: run-attack-bench.sh BIN_DIR [SECONDS]}
SECONDS_PER_RUN=${2:-${BENCH_SECONDS:-10}}
PYTHON=${PYTHON:-python3}
HERE=$(cd "$(dirname "$0")" && pwd)
source "$HERE/../scripts/bench-lib.sh"
for tool in ptt-relay ptt-loadgen; do
    [ -x "$BIN/$tool" ] || { echo "bench-attack: no $BIN/$tool (swift build -c release --product $tool)" >&2; exit 1; }
done
RELAY_PID= ATTACK_PID=
OUT=$(mktemp -d)
cleanup() {
    for p in $ATTACK_PID $RELAY_PID; do kill "$p" 2>/dev/null || true; done
    rm -rf "$OUT"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
LOAD_AT_START=$(cut -d' ' -f1-3 /proc/loadavg)
progress() { echo "bench-attack: $*" >&2; }

# The attacks, "name|issue item|what it does" (bench/attack_relay.py); "none" is the baseline.
ATTACKS=(
    "none|-|nothing: the victim alone"
    "churn|1, 6|40 members from 40 addresses join fresh rooms, say one frame and leave, with --record"
    "pipeline|2|50 sockets × 8,000 pipelined GET /healthz, never read"
    "pending|3|up to 8,206 upgraded sockets from one address that never say hello"
    "flood|4|20 members of one address send audio and chat flat out, reconnecting when closed"
    "stall|5|5 members of a room with a 50 frames/s talker stop reading"
    "violations|7|10 members break RFC 6455 after hello, reconnecting"
)

# One relay build through one attack: "relay|attack|victim line|attack line".
run() { # label, attack, relay binary
    local label=$1 attack=$2 relay=$3 extra=() line attack_line
    [ "$attack" = churn ] && extra+=(--record "$OUT/rec-$label")
    "$relay" --help 2>/dev/null | grep -q -- --limit-loopback && extra+=(--limit-loopback)
    (ulimit -n 4096; exec "$relay" --bind 127.0.0.1:0 "${extra[@]}") >"$OUT/relay.out" 2>"$OUT/relay.err" &
    RELAY_PID=$!
    for _ in $(seq 100); do grep -q "listening on" "$OUT/relay.out" 2>/dev/null && break; sleep 0.1; done
    local port
    port=$(sed -n 's/^listening on ws:\/\/[^:]*:\([0-9]*\).*/\1/p' "$OUT/relay.out" | head -1)
    [ -n "$port" ] || { echo "bench-attack: $label did not start" >&2; cat "$OUT/relay.err" >&2; exit 1; }
    progress "$label: $attack for $((SECONDS_PER_RUN + 6)) s"
    if [ "$attack" != none ]; then
        "$PYTHON" "$HERE/attack_relay.py" "$attack" "$port" "$((SECONDS_PER_RUN + 6))" >"$OUT/attack.out" 2>"$OUT/attack.err" &
        ATTACK_PID=$!
        sleep 1
    fi
    line=$("$BIN/ptt-loadgen" --url "ws://127.0.0.1:$port" --relay-pid "$RELAY_PID" --label "$label $attack" \
        --rooms 1 --members 2 --talkers 1 --warmup 1 --seconds "$SECONDS_PER_RUN" 2>&1 | tail -1) || true
    echo "$line" >&2
    # Then, with the attack still on, can someone new join a room?
    local newcomer=no
    timeout 5 "$BIN/ptt-loadgen" --url "ws://127.0.0.1:$port" --label newcomer --rooms 1 --members 1 --talkers 0 \
        --warmup 0 --seconds 0.2 >/dev/null 2>&1 && newcomer=yes
    if [ -n "$ATTACK_PID" ]; then
        wait "$ATTACK_PID" 2>/dev/null || true
        ATTACK_PID=
        attack_line=$(tr '\n' ' ' <"$OUT/attack.out")
    else
        attack_line="-"
    fi
    if ! kill -0 "$RELAY_PID" 2>/dev/null; then attack_line="$attack_line (the relay died)"; fi
    kill "$RELAY_PID" 2>/dev/null || true
    wait "$RELAY_PID" 2>/dev/null || true
    RELAY_PID=
    rm -rf "$OUT/rec-$label"
    echo "$label|$attack|$line|$newcomer|$attack_line" >>"$OUT/results"
}

RELAYS=("ptt-relay|$BIN/ptt-relay")
if [ -n "${BEFORE:-}" ]; then
    [ -x "$BEFORE/ptt-relay" ] || { echo "bench-attack: no $BEFORE/ptt-relay" >&2; exit 1; }
    RELAYS+=("${BEFORE_LABEL:-before}|$BEFORE/ptt-relay")
fi
for a in "${ATTACKS[@]}"; do
    for r in "${RELAYS[@]}"; do
        run "${r%%|*}" "${a%%|*}" "${r#*|}"
    done
done

field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<"$2"; }
echo "Load average at the start: $LOAD_AT_START. Built from $(tree_commit)."
echo "Each row: a fresh relay (\`ulimit -n 4096\`), the attack started 1 s before the victim, a talker and a"
echo "listener in another room at 50 frames/s measured for $SECONDS_PER_RUN s, then a newcomer tries to join a room"
echo "(within 5 s) while the attack goes on; targets: worst gap between two frames under 60 ms, the relay under"
echo "200 MB RSS."
echo
echo "| attack | item | relay | victim's worst gap | p99 delay | delivered | relay peak RSS | met? | a newcomer joins | what the attack achieved |"
echo "|---|---|---|---|---|---|---|---|---|---|"
for a in "${ATTACKS[@]}"; do
    name=${a%%|*}; rest=${a#*|}; item=${rest%%|*}
    while IFS='|' read -r label attack line newcomer attack_line; do
        [ "$attack" = "$name" ] || continue
        gap=$(field max-gap "$line"); p99=$(field p99 "$line"); ratio=$(field ratio "$line"); rss=$(field relay-rss-peak "$line")
        if [ -z "$gap" ]; then
            verdict="victim could not join: $(cut -c1-80 <<<"$line")"
            gap=-; p99=-; ratio=-; rss=-
        else
            verdict=$("$PYTHON" -c "
g, r = float('${gap%ms}'), float('${rss%MB}')
bad = [f'gap missed by {g - 60:.1f} ms'] if g >= 60 else []
bad += [f'RSS missed by {r - 200:.1f} MB'] if r >= 200 else []
print('; '.join(bad) or 'met')")
        fi
        echo "| $name | $item | $label | $gap | $p99 | $ratio | $rss | $verdict | $newcomer | $attack_line |"
    done <"$OUT/results"
done
echo
for a in "${ATTACKS[@]}"; do
    name=${a%%|*}; rest=${a#*|}
    echo "- \`$name\`: ${rest#*|}"
done
