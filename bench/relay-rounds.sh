#!/usr/bin/env bash
# Relays compared in alternation: ROUNDS rounds, each running the floor forwarder
# (bench/floor_forwarder.c) and every ptt-relay given, one after the other, through the two
# scenarios that carry the target against the floor (10 × 5 with 5 talkers, 25 × 9 with 1), on a
# fresh relay each time. One run of `make bench-relay` moves by 15–20 % at these rates on a
# shared machine; alternating the relays round by round spreads that noise over all of them, and
# the median of the rounds says which is cheaper. Prints a markdown table on stdout: relay CPU
# per delivered frame, each round and the median, and the median as a multiple of the floor's.
# Then ptt-relay's targets judged on the medians: pinned, at most 1.3× the floor's CPU per
# delivered frame with 100 % delivery in every round; with a relay labelled `before`, unpinned,
# at most 5 % above its median (the allowance `make bench-relay` gives one run) and delivery no
# lower. `make bench-relay` runs it after its single runs (ROUNDS there).
# Usage: bench/relay-rounds.sh BIN_DIR ROUNDS [LABEL=PTT_RELAY ...]
#   BIN_DIR: ptt-relay and ptt-loadgen (swift build -c release); LABEL=PATH: more relays to
#   compare (another build's ptt-relay). PINNED=0: unpinned (else the relay on the first CPU this
#   script may use and the load generator on the second); SECONDS_PER_RUN (8); FLOOR: a floor
#   forwarder already built (else built here).
set -euo pipefail
BIN=${1:?usage: relay-rounds.sh BIN_DIR ROUNDS [LABEL=PTT_RELAY ...]}
ROUNDS=${2:?usage: relay-rounds.sh BIN_DIR ROUNDS [LABEL=PTT_RELAY ...]}
shift 2
SECS=${SECONDS_PER_RUN:-8}
HERE=$(cd "$(dirname "$0")" && pwd)
BENCH_NAME=relay-rounds
source "$HERE/../scripts/bench-lib.sh"
[ -x "$BIN/ptt-relay" ] && [ -x "$BIN/ptt-loadgen" ] || bench_fail "no ptt-relay or ptt-loadgen in $BIN (swift build -c release)"
OUT=$(mktemp -d)
PID=
trap 'if [ -n "$PID" ]; then kill "$PID" 2>/dev/null || true; fi; rm -rf "$OUT"' EXIT
trap 'exit 1' INT TERM
FLOOR=${FLOOR:-}
if [ -z "$FLOOR" ]; then
    FLOOR=$OUT/floor
    build_floor_forwarder "$FLOOR"
fi

RELAYS=("floor=$FLOOR" "ptt-relay=$BIN/ptt-relay" "$@")
read -r CPU_A CPU_B < <(python3 -c 'import os; c = sorted(os.sched_getaffinity(0)); print(*(c[:2] if len(c) > 1 else ["-", "-"]))')
RELAY_PIN=() LOAD_PIN=() MODE=unpinned
if [ "${PINNED:-1}" != 0 ] && [ "$CPU_B" != - ]; then
    RELAY_PIN=(taskset -c "$CPU_A") LOAD_PIN=(taskset -c "$CPU_B") MODE="pinned (relay on CPU $CPU_A, load generator on CPU $CPU_B)"
fi

for round in $(seq "$ROUNDS"); do
    for spec in "${RELAYS[@]}"; do
        label=${spec%%=*} path=${spec#*=}
        [ -x "$path" ] || bench_fail "no relay at $path"
        for scenario in "10 5 5" "25 9 1"; do
            read -r rooms members talkers <<<"$scenario"
            if [ "$label" = floor ]; then
                "${RELAY_PIN[@]}" "$path" 127.0.0.1 0 >"$OUT/relay.out" 2>"$OUT/relay.err" & PID=$!
                plain=(--plain)
            else
                "${RELAY_PIN[@]}" "$path" "${RELAY_BENCH_FLAGS[@]}" >"$OUT/relay.out" 2>"$OUT/relay.err" & PID=$!
                plain=()
            fi
            wait_for_line "$OUT/relay.out" "listening on" 10 "$label's listening line"
            url=$(sed -n 's/^listening on \(ws:[^ ]*\).*/\1/p' "$OUT/relay.out" | head -1)
            echo "relay-rounds: round $round, $label, $rooms × $members × $talkers" >&2
            line=$("${LOAD_PIN[@]}" "$BIN/ptt-loadgen" --url "$url" --relay-pid "$PID" --label x --seconds "$SECS" \
                --rooms "$rooms" --members "$members" --talkers "$talkers" "${plain[@]}")
            kill "$PID"; wait "$PID" 2>/dev/null || true; PID=
            echo "$label|$rooms × $members, $talkers talker$([ "$talkers" = 1 ] || echo s)|$line" >> "$OUT/results"
        done
    done
done

echo "$ROUNDS rounds, $MODE, $SECS s per scenario after 2 s of warm-up, on $(nproc) CPUs; load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)."
echo
python3 - "$OUT/results" "$([ -n "${RELAY_PIN[*]}" ] && echo pinned || echo unpinned)" <<'PY'
import statistics, sys
mode = sys.argv[2]
runs = {}
for raw in open(sys.argv[1]):
    label, scenario, line = raw.rstrip("\n").split("|", 2)
    fields = dict(f.split("=", 1) for f in line.partition(": ")[2].split() if "=" in f)
    runs.setdefault((scenario, label), []).append((float(fields["relay-cpu/frame"].removesuffix("us")), fields["ratio"]))
print("| scenario | relay | CPU per delivered frame, each round | median | ÷ floor's median | delivery, lowest |")
print("|---|---|---|---|---|---|")
for scenario in dict.fromkeys(s for s, _ in runs):
    floor = statistics.median(v for v, _ in runs[(scenario, "floor")])
    for (s, label), values in runs.items():
        if s != scenario:
            continue
        cpu = [v for v, _ in values]
        med = statistics.median(cpu)
        lowest = min(values, key=lambda x: float(x[1].rstrip("%")))[1]
        print(f"| {scenario} | {label} | {' '.join(f'{v:.2f}' for v in cpu)} µs | {med:.2f} µs | {med / floor:.2f}× | {lowest} |")

def median(scenario, label):
    return statistics.median(v for v, _ in runs[(scenario, label)])

def lowest(scenario, label):
    return min(float(d.rstrip("%")) for _, d in runs[(scenario, label)])

verdicts = []
for scenario in dict.fromkeys(s for s, _ in runs):
    if ("ptt-relay" not in [l for s, l in runs if s == scenario]):
        continue
    ptt, floor = median(scenario, "ptt-relay"), median(scenario, "floor")
    if mode == "pinned":
        m = ptt / floor
        verdicts.append(("median ≤ 1.3× the floor's, 100 % delivery", scenario, f"{ptt:.2f} against {floor:.2f} µs: {m:.2f}×, "
                         f"delivery {lowest(scenario, 'ptt-relay'):g} % at the lowest",
                         "met" if m <= 1.3 and lowest(scenario, "ptt-relay") >= 100 else
                         "missed" + (f" by {m - 1.3:.2f}×" if m > 1.3 else "") + (": delivery under 100 %" if lowest(scenario, "ptt-relay") < 100 else "")))
    elif ("before" in [l for s, l in runs if s == scenario]):
        b = median(scenario, "before")
        d, db = lowest(scenario, "ptt-relay"), lowest(scenario, "before")
        misses = ([f"CPU {ptt / b:.2f}× before's"] if ptt > 1.05 * b else []) + ([f"delivery {db - d:g} point lower"] if d < db else [])
        verdicts.append(("median no worse than before's", scenario, f"{ptt:.2f} against {b:.2f} µs ({ptt / b - 1:+.0%}), delivery {d:g} % against {db:g} %",
                         "met" if not misses else "missed: " + ", ".join(misses)))
if verdicts:
    print()
    print(f"| target ({mode}) | scenario | measured | met? |")
    print("|---|---|---|---|")
    for v in verdicts:
        print("| " + " | ".join(v) + " |")
PY
