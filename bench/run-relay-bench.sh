#!/usr/bin/env bash
# Benchmarks the ptt relay and the Python websockets broadcast relay with the same load
# generator (see BENCHMARKS.md), and writes the results as markdown tables on stdout, the ptt
# relay's next to its targets, for scripts/update-benchmarks.sh; progress goes to stderr.
# Everything runs on 127.0.0.1; every process started here is stopped here.
# Needs: ptt-relay and ptt-loadgen in BIN_DIR, python3 with websockets 13 or later (make bench-deps).
# Usage: bench/run-relay-bench.sh BIN_DIR [SECONDS] > .build/bench-relay.md   (PYTHON=interpreter;
# BEFORE=DIR: the ptt-relay of another build there runs the same scenarios, in the same run, driven by
# the same load generator)
set -euo pipefail
BIN=${1:?usage: run-relay-bench.sh BIN_DIR [SECONDS]}
SECONDS_PER_RUN=${2:-10}
PYTHON=${PYTHON:-python3}
HERE=$(cd "$(dirname "$0")" && pwd)
source "$HERE/../scripts/bench-lib.sh"
for tool in ptt-relay ptt-loadgen; do
    [ -x "$BIN/$tool" ] || { echo "bench-relay: no $BIN/$tool (swift build -c release --product $tool)" >&2; exit 1; }
done
command -v "$PYTHON" >/dev/null || { echo "bench-relay: needs $PYTHON (make bench-deps)" >&2; exit 1; }
"$PYTHON" -c 'import websockets.asyncio.server' 2>/dev/null \
    || { echo "bench-relay: $PYTHON needs the websockets package, 13 or later (make bench-deps)" >&2; exit 1; }
RELAY_PID=
OUT=$(mktemp -d)
trap 'if [ -n "$RELAY_PID" ]; then kill "$RELAY_PID" 2>/dev/null || true; fi; rm -rf "$OUT"' EXIT
trap 'exit 1' INT TERM
LOAD_AT_START=$(cut -d' ' -f1-3 /proc/loadavg)
progress() { echo "bench-relay: $*" >&2; }

start() { # name, command...
    local name=$1; shift
    progress "starting $name"
    "$@" >"$OUT/$name.out" 2>"$OUT/$name.err" &
    RELAY_PID=$!
    for _ in $(seq 100); do
        grep -q "listening on" "$OUT/$name.out" 2>/dev/null && break
        sleep 0.1
    done
    URL=$(sed -n 's/^listening on \(ws:[^ ]*\).*/\1/p' "$OUT/$name.out" | head -1)
    [ -n "$URL" ] || { echo "bench-relay: $name did not start" >&2; cat "$OUT/$name.err" >&2; exit 1; }
}

stop() {
    kill "$RELAY_PID" 2>/dev/null || true
    wait "$RELAY_PID" 2>/dev/null || true
    RELAY_PID=
}

# One scenario: ptt-loadgen's report line, kept as "relay|load average (1 min)|line".
load() { # relay, label, extra loadgen flags...
    local relay=$1 label=$2; shift 2
    local avg line
    avg=$(cut -d' ' -f1 /proc/loadavg)
    progress "$label: $* for ${SECONDS_PER_RUN} s"
    line=$("$BIN/ptt-loadgen" --url "$URL" --relay-pid "$RELAY_PID" --label "$label" --seconds "$SECONDS_PER_RUN" "$@")
    echo "$line" >&2
    echo "$relay|$avg|$line" >> "$OUT/results"
}

PTT_RELAY=("$BIN/ptt-relay" --bind 127.0.0.1:0 --log-level warning --max-room-members 100 --max-connections 5000 --max-rooms 2000)
start ptt-relay "${PTT_RELAY[@]}"
load ptt-relay "ptt-relay idle"          --rooms 100 --members 10 --talkers 0
stop
start ptt-relay "${PTT_RELAY[@]}"
load ptt-relay "ptt-relay 10k"           --rooms 25  --members 9  --talkers 1
load ptt-relay "ptt-relay 20k"           --rooms 50  --members 9  --talkers 1
load ptt-relay "ptt-relay 40k"           --rooms 100 --members 9  --talkers 1
load ptt-relay "ptt-relay 40k-big-rooms" --rooms 4   --members 51 --talkers 4
stop

if [ -n "${BEFORE:-}" ]; then
    [ -x "$BEFORE/ptt-relay" ] || { echo "bench-relay: no $BEFORE/ptt-relay" >&2; exit 1; }
    BEFORE_RELAY=("$BEFORE/ptt-relay" "${PTT_RELAY[@]:1}")
    start before "${BEFORE_RELAY[@]}"
    load before "before idle"            --rooms 100 --members 10 --talkers 0
    stop
    start before "${BEFORE_RELAY[@]}"
    load before "before 10k"             --rooms 25  --members 9  --talkers 1
    load before "before 20k"             --rooms 50  --members 9  --talkers 1
    load before "before 40k"             --rooms 100 --members 9  --talkers 1
    load before "before 40k-big-rooms"   --rooms 4   --members 51 --talkers 4
    stop
fi

start python "$PYTHON" "$HERE/broadcast_relay.py" 127.0.0.1 0
load python "python idle"                --rooms 100 --members 10 --talkers 0 --plain
load python "python 10k"                 --rooms 25  --members 9  --talkers 1 --plain
load python "python 20k"                 --rooms 50  --members 9  --talkers 1 --plain
load python "python 40k"                 --rooms 100 --members 9  --talkers 1 --plain
stop

COMMIT=$(cd "$HERE/.." && tree_commit)
PY_VERSIONS=$("$PYTHON" -c 'import sys, websockets; print(f"websockets {websockets.__version__} on Python {sys.version.split()[0]}")')

echo "Load average at the start: $LOAD_AT_START. ptt-relay built from $COMMIT${BEFORE:+; \"ptt-relay (before)\": ${BEFORE_LABEL:-$BEFORE}};"
echo "the Python relay: $PY_VERSIONS."
echo "$SECONDS_PER_RUN s measured per scenario after 2 s of warm-up; each talker sends an 80-byte frame every 20 ms."
echo "Offered: frames sent in the window × (members − 1), per second (nominal: at exactly 50 frames/s per"
echo "talker); delivery = delivered / offered, where frames still in flight 0.5 s after the window count as"
echo "not delivered; latency from sender to receiver (10 µs buckets up to 200 ms); CPU (utime + stime) and RSS"
echo "of the relay process, CPU of the load generator."
echo
"$PYTHON" - "$OUT/results" <<'PY'
import sys

rows = []
for raw in open(sys.argv[1]):
    relay, avg, line = raw.rstrip("\n").split("|", 2)
    _, _, fields = line.partition(": ")
    r = {"relay": relay, "load": avg}
    for item in fields.split():
        key, _, value = item.partition("=")
        r[key] = value
    for key in ("rooms", "members", "talkers", "connections"):
        r[key] = int(r[key])
    rows.append(r)

def num(r, key, unit):
    """The number loadgen printed for key, without its unit; None when absent or n/a."""
    v = r.get(key, "n/a").removesuffix(unit)
    return None if v in ("n/a", "nan", "") else float(v)

def thousands(x):
    return f"{x:,.0f}"

def scenario(r):
    talkers = f"{r['talkers']} talker" + ("s" if r["talkers"] != 1 else "")
    if r["talkers"] == 0:
        return f"idle: {r['rooms']} × {r['members']} ({thousands(r['connections'])} connections), {talkers}"
    return f"{r['rooms']} × {r['members']}, {talkers}"

def nominal(r):
    """Frames per second the scenario asks the relay to deliver: each talker to every other member."""
    return r["rooms"] * r["talkers"] * (r["members"] - 1) * 50

def verdict(value, limit, better, unit, digits):
    """"met" when value is on the better side of limit ("<", "<=" or ">="), else how far it misses."""
    if value is None:
        return "not measured"
    met = {"<": value < limit, "<=": value <= limit, ">=": value >= limit}[better]
    return "met" if met else f"missed by {abs(value - limit):,.{digits}f}{unit}"

def latency(r, key):
    """A latency quantile; ptt-loadgen's histogram ends at 200 ms, its last bucket holds everything beyond."""
    v = num(r, key, "ms")
    if v is None:
        return "n/a"
    return "≥ 200 ms" if v >= 200 else f"{v:g} ms"

def shown(value, unit, digits=None):
    if value is None:
        return "n/a"
    return (thousands(value) if digits is None else f"{value:.{digits}f}") + unit

relay_names = {"ptt-relay": "ptt-relay", "before": "ptt-relay (before)", "python": "Python websockets"}
print("| relay | scenario (rooms × members, talkers per room) | offered/s (nominal) | delivered/s | delivery"
      " | p50 | p99 | p99.9 | relay CPU per delivered frame | relay CPU | relay RSS | load generator CPU | load average at its start |")
print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
for r in rows:
    name = relay_names[r["relay"]]
    cpu, rss, lg = r.get("relay-cpu", "n/a"), r.get("relay-rss", "n/a"), r.get("loadgen-cpu", "n/a")
    base = [name, scenario(r)]
    tail = [cpu.replace("%", " %"), rss.replace("MB", " MB"), lg.replace("%", " %"), r["load"]]
    if r["talkers"] == 0:
        cells = base + ["—"] * 7 + tail
    else:
        ratio = num(r, "ratio", "%")
        cells = base + [
            f"{shown(num(r, 'expected/s', ''), '')} ({thousands(nominal(r))})",
            shown(num(r, "delivered/s", ""), ""),
            "n/a" if ratio is None else f"{ratio:.3f} %",
            latency(r, "p50"), latency(r, "p99"), latency(r, "p999"),
            r.get("relay-cpu/frame", "n/a").replace("us", " µs"),
        ] + tail
    print("| " + " | ".join(cells) + " |")

print()
print("The ptt relay against its targets:")
print()
print("| target | scenario | measured | met? |")
print("|---|---|---|---|")
ptt = [r for r in rows if r["relay"] == "ptt-relay"]
for r in ptt:
    if r["talkers"] == 0:
        s, cpu, rss = scenario(r), num(r, "relay-cpu", "%"), num(r, "relay-rss", "MB")
        print(f"| relay CPU < 1 % with 1,000 idle connections | {s} | {shown(cpu, ' %', 1)} | {verdict(cpu, 1, '<', ' point', 1)} |")
        print(f"| relay RSS < 100 MB with 1,000 idle connections | {s} | {shown(rss, ' MB', 1)} | {verdict(rss, 100, '<', ' MB', 1)} |")
for r in ptt:
    if r["talkers"] > 0 and nominal(r) == 40000:
        s = scenario(r)
        delivered, offered = num(r, "delivered/s", ""), num(r, "expected/s", "")
        ratio, p99 = num(r, "ratio", "%"), num(r, "p99", "ms")
        # Within 1 %: the window's edges and the send timer's drift move the count by a few frames.
        rate = "not measured" if delivered is None else verdict(delivered, 39600, ">=", "", 0)
        if rate.startswith("missed"):
            rate = f"missed by {40000 - delivered:,.0f}/s"
        print(f"| 40,000 delivered frames/s (within 1 %) | {s} | {shown(delivered, '/s')} (offered: {shown(offered, '/s')}) | {rate} |")
        print(f"| 100 % delivery at 40,000 frames/s | {s} | {shown(ratio, ' %', 3)} | {verdict(ratio, 100, '>=', ' point', 3)} |")
        missed = verdict(p99, 5, '<', ' ms', 2)
        if p99 is not None and p99 >= 200:
            missed = "missed by more than 195 ms"
        print(f"| p99 < 5 ms at 40,000 frames/s | {s} | {latency(r, 'p99')} | {missed} |")
for r in ptt:
    if r["talkers"] > 0:
        per_frame = num(r, "relay-cpu/frame", "us")
        print(f"| relay CPU ≤ 5 µs per delivered frame | {scenario(r)} | {shown(per_frame, ' µs', 1)} | {verdict(per_frame, 5, '<=', ' µs', 1)} |")
PY
