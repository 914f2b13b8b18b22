#!/usr/bin/env bash
# What a listener hears on real-time devices, before and after a change, side by side in one run.
# A private PulseAudio server (as bench-latency.sh): client A (`ptt join … --json --mode open`)
# captures from the "microphone", `ptt-relay` forwards, client B (`--listen`) plays to the
# "speaker"; one recording of the sink's monitor holds what went in and what B played on one
# clock. Each call plays 14 chirp probes (mouth-to-ear, by onset) and then espeak-ng speech
# (PESQ-WB of B's output against it, P.862.2). Conditions: B's sink idle or with a second stream
# playing to it (any desktop), and `ptt-netem` between B and the relay adding 0-40 ms of jitter
# (order kept) or a 400 ms stall every 5 s (a TCP retransmission on a lossy path), with ptt's
# defaults. The codec alone (`make bench-e2e`, 4.10-4.11) is the PESQ-WB ceiling.
# Needs: root, pulseaudio pulseaudio-utils libasound2-plugins sox espeak-ng, python3 with numpy
# and pesq. Usage: BIN=dir [BEFORE=dir] PYTHON=python scripts/bench-playout.sh
# (ONLY=TEXT runs the conditions whose label contains it; DETAIL=FILE appends each probe's delay.)
set -euo pipefail
shopt -s inherit_errexit
cd "$(dirname "$0")/.."
BENCH_NAME=bench-playout
source scripts/bench-lib.sh
[ "$(id -u)" = 0 ] || bench_fail "run as root: the private PulseAudio server runs as the user nobody"
PYTHON=${PYTHON:-python3}
for tool in pulseaudio pactl parec paplay sox espeak-ng; do command -v $tool >/dev/null || bench_fail "needs $tool (make bench-deps)"; done
[ -n "${BIN:-}" ] || bench_fail "BIN: the directory of the release binaries"
NETEM="$BIN/ptt-netem"
start_private_pulse "$(mktemp -d /tmp/ptt-playout.XXXXXX)"

# The input: 1.5 s of silence, 14 chirps every 700 ms, 1 s, the speech, 1.5 s; left channel only.
espeak-ng -s 150 -w "$DIR/speech.wav" "$SPEECH_TEXT"
sox -q "$DIR/speech.wav" -r 48000 -c 1 -b 16 -e signed -t raw "$DIR/speech48.raw"
$PYTHON - "$DIR/speech48.raw" "$DIR/input.raw" <<'PY'
import sys, numpy as np
sr = 48000
speech = np.fromfile(sys.argv[1], dtype='<i2').astype(float) / 32768
t = np.arange(int(0.06 * sr)) / sr
chirp = np.sin(2 * np.pi * (300 * t + 3100 / 0.12 * t * t)) * np.hanning(len(t)) * 0.5
probes = np.zeros(int((1.5 + 0.7 * 14 + 1.0) * sr))
for i in range(14):
    s = int((1.5 + 0.7 * i) * sr); probes[s:s + len(chirp)] = chirp
x = np.concatenate([probes, speech * 0.7, np.zeros(int(1.5 * sr))])
st = np.zeros((len(x), 2)); st[:, 0] = x
(st * 32767).astype('<i2').tofile(sys.argv[2])
PY
head -c $((2 * 48000 * 180)) /dev/zero > "$DIR/silence.raw"

analyse() { # rec.raw -> "m2e_median spread_max_min probes pesq longest_high_s"
    $PYTHON - "$1" "$DIR/speech48.raw" <<'PY'
import sys, numpy as np
from pesq import pesq
sr = 48000
x = np.fromfile(sys.argv[1], dtype='<i2').astype(float).reshape(-1, 2)
l, r = x[:, 0], x[:, 1]
def env(v): return np.convolve(np.abs(v), np.ones(96) / 96, mode='same')
el, er = env(l), env(r)
thr = 0.1 * el.max()
onsets, i = [], 0
while i < len(el) and len(onsets) < 14:
    if el[i] > thr: onsets.append(i); i += int(0.4 * sr)
    else: i += 1
lags = []
for s in onsets:
    w = er[s:s + int(0.6 * sr)]
    j = np.argmax(w > thr) if (w > thr).any() else -1
    lags.append(j / 48.0 if j >= 0 else np.nan)
lags = np.array(lags)
ok = lags[~np.isnan(lags)]
if len(ok) < 7: sys.exit(f"bench-playout: only {len(ok)} of 14 probes came through")
# The speech: after the last probe. Align B's output to the input by cross-correlation (coarse,
# on 8 kHz envelopes, then exact), then PESQ-WB at 16 kHz.
start = onsets[-1] + int(1.0 * sr)
ref = np.fromfile(sys.argv[2], dtype='<i2').astype(float) / 32768 * 0.7
seg = l[start:]
k0 = int(np.argmax(np.correlate(np.abs(seg[:len(ref)][::6]), np.abs(ref[::6]), mode='full'))) - len(ref[::6]) + 1
s0 = start + max(0, k0 * 6)
out = r[s0:s0 + len(ref) + int(1.0 * sr)]
c = np.correlate(out[:len(ref) + int(0.9 * sr)], ref[:int(2 * sr)], mode='valid')
k = int(np.argmax(c))
deg = out[k:k + len(ref)]
if len(deg) < len(ref): deg = np.concatenate([deg, np.zeros(len(ref) - len(deg))])
def to16(v): return v.reshape(-1, 3).mean(axis=1) if len(v) % 3 == 0 else v[:len(v) // 3 * 3].reshape(-1, 3).mean(axis=1)
score = pesq(16000, to16(ref), to16(deg / 32768), 'wb')
# Longest run of probes more than 30 ms above the lowest delay, in seconds of probes (0.7 s apart).
low = np.nanmin(lags); run = best = 0
for v in lags:
    run = run + 1 if (np.isnan(v) or v > low + 30) else 0; best = max(best, run)
print("probe delays ms:", " ".join(f"{v:.0f}" for v in lags), file=sys.stderr)
print(f"{np.nanmedian(lags):.1f} {np.nanmax(lags) - np.nanmin(lags):.1f} {len(ok)} {score:.2f} {best * 0.7:.1f}")
PY
}

RELAY_PORT=$((20000 + RANDOM % 10000))
NETEM_PORT=$((RELAY_PORT + 10000))

# One call: BIN-DIR, second-stream (0/1), netem options (or "none").
call() {
    local bin=$1 second=$2 netem=$3 room="pl$RANDOM"
    "$bin/ptt-relay" --bind 127.0.0.1:$RELAY_PORT --log-level warning > "$DIR/relay.out" 2>"$DIR/relay.err" & local relay=$!
    PIDS+=($relay)
    wait_for_line "$DIR/relay.out" "listening on" 10 "the relay's \"listening on\""
    local port=$RELAY_PORT np=""
    if [ "$netem" != none ]; then
        "$NETEM" --listen $NETEM_PORT --to $RELAY_PORT $netem > "$DIR/netem.out" 2>&1 & np=$!
        PIDS+=($np)
        wait_for_line "$DIR/netem.out" "listening on" 10 "ptt-netem"
        port=$NETEM_PORT
    fi
    local other=""
    if [ "$second" = 1 ]; then paplay -d spk --raw --rate=48000 --channels=1 --format=s16le "$DIR/silence.raw" & other=$!; PIDS+=($other); fi
    rm -f "$DIR/a.in" "$DIR/b.in"
    start_with_held_stdin "$DIR/b.in" 60 "$bin/ptt" join "$room" listener --relay "ws://127.0.0.1:$port" --json --listen --output pa_spk --no-cues
    local b=$LAST
    exec 7>"$DIR/b.in"   # a second writer: `stats` goes in through it
    start_with_held_stdin "$DIR/a.in" 60 "$bin/ptt" join "$room" talker --relay "ws://127.0.0.1:$RELAY_PORT" --json --mode open --input pa_mic --output null --no-cues > /dev/null 2>&1
    local a=$LAST
    sleep 2
    parec -d both.monitor --rate=48000 --channels=2 --format=s16le --raw --latency-msec=5 > "$DIR/rec.raw" & local rec=$!
    sleep 0.3
    paplay -d both --raw --rate=48000 --channels=2 --format=s16le "$DIR/input.raw"
    kill $rec; wait $rec 2>/dev/null || true
    echo stats >&7
    sleep 0.5
    exec 7>&-
    kill $a $b $relay $np $other 2>/dev/null || true
    wait $a $b $relay 2>/dev/null || true
    [ -n "$np" ] && { wait $np 2>/dev/null || true; }
    [ -n "$other" ] && { wait $other 2>/dev/null || true; }
    sleep 0.5
}

run() { # label bin second netem
    local label=$1 bin=$2 second=$3 netem=$4 m stats
    call "$bin" "$second" "$netem" > "$DIR/b.log" 2>&1 || true
    m=$(analyse "$DIR/rec.raw" 2>>"${DETAIL:-/dev/null}") || m="- - 0 - -"
    stats=$($PYTHON - "$DIR/b.log" <<'PY'
import sys, json
st = [json.loads(l) for l in open(sys.argv[1]) if '"event":"stats"' in l]
sp = st[-1]["speakers"][0] if st and st[-1]["speakers"] else None
if not sp: print("-")
elif "waited_ms" in sp: print(f"{sp['underruns']} / {sp['waited_ms']} / {sp['accelerated_ms']} / {sp['stalls']}")
else: print(f"{sp['underruns']} / - / trimmed {sp.get('trimmed_periods', '-')} / -")
PY
)
    read -r med spread n score high <<<"$m"
    echo "| $label | $score | $med | $spread | $high | $n | $stats |"
}

echo "Load average at the start: $(cut -d' ' -f1-3 /proc/loadavg). Built from $(tree_commit)${BEFORE:+; before: ${BEFORE_LABEL:-$BEFORE}}."
echo
echo "| build, condition | PESQ-WB | mouth-to-ear median ms | probe delays max − min ms | longest time over the lowest + 30 ms, s | probes | B: underruns / waited ms / accelerated ms / stalls |"
echo "|---|---|---|---|---|---|---|"
while IFS='|' read -r label second netem; do
    [[ "$label" == *"${ONLY:-}"* ]] || continue
    [ -n "${BEFORE:-}" ] && run "before: $label" "$BEFORE" "$second" "$netem"
    run "after: $label" "$BIN" "$second" "$netem"
done <<'CONDITIONS'
clean, B's sink idle|0|none
clean, a second stream on B's sink|1|none
0–40 ms jitter, second stream|1|--jitter-ms 40 --seed 3
400 ms stall every 5 s, second stream|1|--stall-ms 400 --every-ms 5000
jitter and a 250 ms stall every 8 s, second stream|1|--jitter-ms 40 --stall-ms 250 --every-ms 8000 --seed 5
CONDITIONS
