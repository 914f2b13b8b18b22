#!/usr/bin/env bash
# The scribe on real human speech (Debian's pocketsphinx-testdata: five LibriVox utterances with
# reference transcripts), release build, relay on 127.0.0.1:
#   - word error rate of PocketSphinx on the raw 16 kHz files (PTTScribeBench) against the same
#     speech sent with `ptt send` (converted to 48 kHz, Opus at ptt's defaults) and captioned by
#     `ptt scribe` (Opus decoded at 16 kHz);
#   - the time from a spurt's last frame reaching the scribe to its caption being sent (median, p95);
#   - the scribe's CPU per second of speech (/proc, the whole process: session, Opus, recognizer);
#   - speakers at once on one core: N members send together, the scribe pinned to one CPU with N
#     engines; it keeps up when every caption comes within 2 s of its spurt's end.
# Usage: BIN=dir scripts/bench-scribe.sh
set -euo pipefail
shopt -s inherit_errexit
cd "$(dirname "$0")/.."
BENCH_NAME=bench-scribe
source scripts/bench-lib.sh
SWIFT=${SWIFT:-swift}
PYTHON=${PYTHON:-python3}
if [ -z "${BIN:-}" ]; then
    for p in ptt ptt-relay PTTScribeBench; do $SWIFT build -c release --product $p >/dev/null; done
    BIN="$($SWIFT build -c release --show-bin-path)"
fi
DATA=/usr/share/pocketsphinx/test/data/librivox
[ -f "$DATA/transcription" ] || bench_fail "no $DATA (Debian: apt install pocketsphinx-testdata)"
bench_workspace /tmp/ptt-scribe.XXXXXX
LOAD_AT_START=$(cut -d' ' -f1-3 /proc/loadavg)
ROUNDS=${ROUNDS:-3}
mapfile -t IDS < "$DATA/fileids"

# 1. The recognizer alone, on the raw files.
files=(); for id in "${IDS[@]}"; do files+=("$DATA/$id.wav"); done
"$BIN/PTTScribeBench" "${files[@]}" > "$DIR/raw.tsv"

# 2. Through ptt: each utterance sent ROUNDS times by its own member, one after another.
PORT=$((20000 + RANDOM % 20000))
"$BIN/ptt-relay" --bind 127.0.0.1:$PORT --log-level warning > "$DIR/relay.out" 2>"$DIR/relay.err" &
PIDS+=($!)
wait_for_line "$DIR/relay.out" "listening on" 10 "the relay's \"listening on\""
URL="ws://127.0.0.1:$PORT"
"$BIN/ptt" scribe bench --relay "$URL" --json --engines 1 > "$DIR/scribe.jsonl" 2>"$DIR/scribe.err" &
SCRIBE=$!
PIDS+=($SCRIBE)
wait_for_line "$DIR/scribe.jsonl" '"event":"ready"' 20 "the scribe's ready"
ticks0=$(cpu_ticks $SCRIBE)
: > "$DIR/sent.tsv"
for round in $(seq "$ROUNDS"); do
    for id in "${IDS[@]}"; do
        name="s${round}-${id##*-}"
        "$BIN/ptt" send bench "$name" "$DATA/$id.wav" --relay "$URL" > /dev/null 2>"$DIR/send.err" || bench_fail "ptt send: $(cat "$DIR/send.err")"
        printf '%s\t%s\n' "$name" "$id" >> "$DIR/sent.tsv"
        sleep 0.3
    done
done
sent=$((ROUNDS * ${#IDS[@]}))
for _ in $(seq 200); do [ "$(grep -c '"event":"captioned"' "$DIR/scribe.jsonl")" -ge "$sent" ] && break; sleep 0.1; done
ticks1=$(cpu_ticks $SCRIBE)
echo "$ticks0 $ticks1 $(getconf CLK_TCK)" > "$DIR/cpu.txt"

# 3. Speakers at once, the scribe on one core.
: > "$DIR/load.tsv"
for n in 1 2 3 4 6; do
    room="load$n"
    taskset -c 1 "$BIN/ptt" scribe "$room" --relay "$URL" --json --engines "$n" > "$DIR/load$n.jsonl" 2>"$DIR/load$n.err" &
    pid=$!
    PIDS+=($pid)
    wait_for_line "$DIR/load$n.jsonl" '"event":"ready"' 30 "scribe $n's ready"
    senders=()
    for i in $(seq "$n"); do
        id=${IDS[$(( (i - 1) % ${#IDS[@]} ))]}
        "$BIN/ptt" send "$room" "m$i" "$DATA/$id.wav" --relay "$URL" > /dev/null 2>&1 &
        senders+=($!)
    done
    for p in "${senders[@]}"; do wait "$p" || bench_fail "a sender of $n failed"; done
    for _ in $(seq 300); do [ "$(grep -c '"event":"captioned"' "$DIR/load$n.jsonl")" -ge "$n" ] && break; sleep 0.1; done
    kill -INT $pid; wait $pid 2>/dev/null || true
    printf '%s\t%s\n' "$n" "$DIR/load$n.jsonl" >> "$DIR/load.tsv"
done

"$PYTHON" - "$DIR" "$DATA" "$LOAD_AT_START" "$(tree_commit)" <<'PY'
import json, sys, statistics
d, data, load, commit = sys.argv[1:5]
refs = {}
for line in open(f"{data}/transcription"):
    words, _, rest = line.strip().rpartition(" (")
    refs[rest.rstrip(")")] = [w for w in words.split() if w not in ("<s>", "</s>")]
def errors(ref, hyp):
    prev = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        cur = [i] + [0] * len(hyp)
        for j, h in enumerate(hyp, 1):
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (r != h))
        prev = cur
    return prev[-1]
def wer(pairs):
    return 100.0 * sum(errors(r, h) for r, h in pairs) / sum(len(r) for r, _ in pairs)
raw, speech, engine = [], 0.0, 0.0
for line in open(f"{d}/raw.tsv"):
    path, secs, took, text = line.rstrip("\n").split("\t")
    fid = path.rsplit("/", 1)[1][:-4]
    raw.append((refs[fid], text.split()))
    speech += float(secs); engine += float(took)
names = dict(l.rstrip("\n").split("\t") for l in open(f"{d}/sent.tsv"))
caps, after = {}, []
for line in open(f"{d}/scribe.jsonl"):
    o = json.loads(line)
    if o.get("event") == "captioned":
        caps[o["name"]] = o["text"].split(); after.append(o["after_end_ms"])
through = [(refs[fid], caps.get(n, [])) for n, fid in names.items()]
missing = sum(1 for n in names if n not in caps)
t0, t1, hz = map(int, open(f"{d}/cpu.txt").read().split())
rounds = len(names) // len(raw)
cpu_per_s = (t1 - t0) / hz / (speech * rounds)
def pct(xs, p):
    xs = sorted(xs); return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]
print(f"Five LibriVox utterances ({speech:.1f} s of human speech, {sum(len(r) for r, _ in raw)} words) from Debian's pocketsphinx-testdata; "
      f"{commit}; load average {load} at the start.\n")
print("| measure | result | target |\n|---|---|---|")
print(f"| word error rate, PocketSphinx on the raw 16 kHz files | {wer(raw):.1f} % | (the baseline) |")
print(f"| word error rate, sent with `ptt send` and captioned by `ptt scribe` ({len(through)} spurts, {missing} without a caption) | {wer(through):.1f} % | within 10 points of the baseline |")
print(f"| spurt end → caption sent, median / p95 ({len(after)} spurts) | {statistics.median(after):.0f} / {pct(after, 95):.0f} ms | no later than the recognizer's own processing time |")
print(f"| recognizer's own time per spurt on the raw files (mean) | {1000 * engine / len(raw):.0f} ms ({engine / speech:.2f} × real time) | |")
print(f"| scribe CPU per second of speech (whole process) | {1000 * cpu_per_s:.0f} ms ({100 * cpu_per_s:.0f} % of a core) | |")
rows = []
for line in open(f"{d}/load.tsv"):
    n, path = line.rstrip("\n").split("\t")
    lat = [json.loads(l)["after_end_ms"] for l in open(path) if '"captioned"' in l]
    ok = len(lat) == int(n) and max(lat) <= 2000
    rows.append((int(n), len(lat), max(lat) if lat else None, ok))
print()
print("Speakers at once, the scribe pinned to one CPU with one engine per speaker (each sends a different utterance of 3–7 s):\n")
print("| speakers | captions | slowest spurt end → caption | keeps up (all within 2 s) |\n|---|---|---|---|")
for n, got, worst, ok in rows:
    print(f"| {n} | {got} of {n} | {worst if worst is not None else '—'} ms | {'yes' if ok else 'no'} |")
best = max([n for n, _, _, ok in rows if ok], default=0)
print(f"\nOne core keeps up with {best} speaker{'s' if best != 1 else ''} at once here.")
PY
