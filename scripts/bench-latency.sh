#!/usr/bin/env bash
# Mouth-to-ear latency through the real path: client A (`ptt join … --json --mode open`)
# captures from a PulseAudio "microphone", the relay (`ptt-relay`, 127.0.0.1) forwards, client B
# (`ptt join … --json --listen`) plays to a PulseAudio "speaker". A private PulseAudio server
# has a stereo null sink whose left channel is remapped into the microphone and whose right
# channel is fed by the speaker: one recording of its monitor holds the injected
# probes and B's output on one clock. Each probe (a 60 ms chirp, 14 of them, 700 ms apart) is
# located by cross-correlation; the median and spread over the probes are reported. In the
# same run, the audio stack's own floor: `arecord | aplay` through the same devices and periods.
# Needs: pulseaudio pulseaudio-utils libasound2-plugins alsa-utils sox, python3 with numpy, root
# (the server runs as `nobody`). Usage: scripts/bench-latency.sh   (BIN=dir of release binaries)
set -euo pipefail
shopt -s inherit_errexit
cd "$(dirname "$0")/.."
BENCH_NAME=bench-latency
source scripts/bench-lib.sh
[ "$(id -u)" = 0 ] || bench_fail "run as root: the private PulseAudio server runs as the user nobody"
SWIFT=${SWIFT:-swift}
PYTHON=${PYTHON:-python3}
for tool in pulseaudio pactl parec paplay arecord aplay sox; do
    command -v $tool >/dev/null || { echo "bench-latency: needs $tool (make bench-deps)" >&2; exit 1; }
done
if [ -z "${BIN:-}" ]; then
    $SWIFT build -c release --product ptt >/dev/null
    $SWIFT build -c release --product ptt-relay >/dev/null
    BIN="$($SWIFT build -c release --show-bin-path)"
fi
PTT="$BIN/ptt"
RELAY=("$BIN/ptt-relay")
[ -x "${RELAY[0]}" ] || RELAY=("$PTT" relay)
start_private_pulse "$(mktemp -d /tmp/ptt-latency.XXXXXX)"

# The probe train: 1.5 s of silence, then 14 chirps (300-3400 Hz, 60 ms) every 700 ms, left channel only.
PROBES=14
$PYTHON - "$DIR/probe.raw" $PROBES <<'PY'
import sys, numpy as np
n = int(sys.argv[2]); sr = 48000
t = np.arange(int(0.06 * sr)) / sr
f0, f1 = 300.0, 3400.0
chirp = np.sin(2 * np.pi * (f0 * t + (f1 - f0) / (2 * 0.06) * t * t)) * np.hanning(len(t)) * 0.5
out = np.zeros(int((1.5 + 0.7 * n + 1.0) * sr))
for i in range(n):
    s = int((1.5 + 0.7 * i) * sr); out[s:s + len(chirp)] = chirp
st = np.zeros((len(out), 2)); st[:, 0] = out
(st * 32767).astype('<i2').tofile(sys.argv[1])
PY

analyse() { # rec.raw label -> "median spread n"
    $PYTHON - "$1" $PROBES <<'PY'
import sys, numpy as np
x = np.fromfile(sys.argv[1], dtype='<i2').astype(float).reshape(-1, 2)
l, r = x[:, 0], x[:, 1]
sr = 48000
# Probe onsets in the left channel: envelope above a threshold after silence.
env = np.convolve(np.abs(l), np.ones(96) / 96, mode='same')
thr = 0.1 * env.max()
onsets, i = [], 0
while i < len(env):
    if env[i] > thr:
        onsets.append(i); i += int(0.4 * sr)
    else:
        i += 1
lags = []
for s in onsets:
    a, b = s - 480, s + int(0.09 * sr)
    if a < 0 or b + int(0.4 * sr) > len(r): continue
    seg = l[a:b]
    win = r[a:b + int(0.4 * sr)]
    if np.dot(win, win) < 1e3 * len(win): continue   # nothing came out for this probe
    c = np.correlate(win, seg, mode='valid')
    k = int(np.argmax(np.abs(c)))
    norm = np.sqrt(np.dot(seg, seg) * np.dot(win[k:k + len(seg)], win[k:k + len(seg)])) or 1
    if abs(c[k]) / norm < 0.3: continue
    lags.append(k / 48.0)
lags = np.array(lags)
if len(lags) < int(sys.argv[2]) // 2:
    sys.exit(f"bench-latency: only {len(lags)} of {sys.argv[2]} probes came through")
# The first probes can fall in the 100-600 ms a stream loses when it opens: skip none, report all.
print(f"{np.median(lags):.1f} {np.percentile(lags, 90) - np.percentile(lags, 10):.1f} {len(lags)} {np.min(lags):.1f} {np.max(lags):.1f}")
PY
}

record_with() { # command... : records the monitor while the probe plays, command runs meanwhile
    parec -d both.monitor --rate=48000 --channels=2 --format=s16le --raw --latency-msec=5 > "$DIR/rec.raw" & local rec=$!
    sleep 0.3
    paplay -d both --raw --rate=48000 --channels=2 --format=s16le "$DIR/probe.raw"
    kill $rec; wait $rec 2>/dev/null || true
}

floor() { # period_ms
    local p=$1
    ( arecord -q -D pa_mic -r 48000 -c 1 -f S16_LE --period-time=$((p * 1000)) --buffer-time=$((p * 4000)) -t raw 2>/dev/null \
        | aplay -q -D pa_spk -r 48000 -c 1 -f S16_LE --period-time=$((p * 1000)) --buffer-time=$((p * 4000)) -t raw 2>/dev/null ) &
    local pipe=$!
    PIDS+=($pipe)
    sleep 1
    record_with
    # arecord and aplay are the children of that subshell: stop them by their parent's id
    pkill -P $pipe 2>/dev/null || true; wait $pipe 2>/dev/null || true
    analyse "$DIR/rec.raw"
}

RELAY_PORT=$((20000 + RANDOM % 20000))
"${RELAY[@]}" --bind 127.0.0.1:$RELAY_PORT --log-level warning > "$DIR/relay.out" 2>"$DIR/relay.err" &
RELAY_PID=$!
PIDS+=($RELAY_PID)
wait_for_line "$DIR/relay.out" "listening on" 10 "the relay's \"listening on\""
URL="ws://127.0.0.1:$RELAY_PORT"

through_ptt() { # options...
    local room="lat$RANDOM"
    mkfifo "$DIR/a.in" "$DIR/b.in" 2>/dev/null || true
    sleep 30 > "$DIR/a.in" & local ha=$!
    sleep 30 > "$DIR/b.in" & local hb=$!
    "$PTT" join "$room" listener --relay "$URL" --json --listen --output pa_spk --no-cues "$@" < "$DIR/b.in" > "$DIR/b.log" 2>&1 & local b=$!
    "$PTT" join "$room" talker --relay "$URL" --json --mode open --input pa_mic --output null --no-cues "$@" < "$DIR/a.in" > "$DIR/a.log" 2>&1 & local a=$!
    PIDS+=($a $b $ha $hb)
    sleep 1.5
    record_with
    # B's receive statistics: underruns, time waited for late audio, time played faster.
    echo stats > "$DIR/b.in"
    for _ in $(seq 20); do grep -q '"event":"stats"' "$DIR/b.log" && break; sleep 0.05; done
    kill $a $b 2>/dev/null || true; wait $a $b 2>/dev/null || true
    kill $ha $hb 2>/dev/null || true; wait $ha $hb 2>/dev/null || true
    rm -f "$DIR/a.in" "$DIR/b.in"
    local latency
    latency=$(analyse "$DIR/rec.raw")
    echo "$latency $($PYTHON - "$DIR/b.log" <<'PY'
import sys, json
st = [json.loads(l) for l in open(sys.argv[1]) if '"event":"stats"' in l]
sp = st[-1]["speakers"] if st and st[-1]["speakers"] else None
print(f"{sp[0]['underruns']}/{sp[0]['waited_ms']}/{sp[0]['accelerated_ms']}" if sp else "-")
PY
)"
}

row() { # label, measurement output
    read -r med spread n lo hi receive <<<"$2"
    echo "| $1 | $med | $spread | ${lo:-} – ${hi:-} | $n | ${receive:--} |"
}

RUNS=${RUNS:-1}
echo "Load average at the start: $(cut -d' ' -f1-3 /proc/loadavg). Built from $(tree_commit)."
echo
echo "| path | median ms | spread p10–p90 ms | min – max ms | probes | B: underruns / waited ms / accelerated ms |"
echo "|---|---|---|---|---|---|"
for p in 5 10; do
    for _ in $(seq $RUNS); do m=$(floor $p); row "floor: arecord \| aplay, ${p} ms periods" "$m"; done
done
while IFS='|' read -r label opts; do
    for _ in $(seq $RUNS); do m=$(through_ptt $opts); row "$label (\`$opts\`)" "$m"; done
done <<'CONFIGS'
ptt A → relay → B, 20 ms frames, 5 ms periods|--frame-ms 20 --period-ms 5
ptt A → relay → B, 10 ms frames, 5 ms periods|--frame-ms 10 --period-ms 5
ptt A → relay → B, defaults|
ptt A → relay → B, --low-latency, 5 ms periods|--low-latency --period-ms 5
CONFIGS
