#!/usr/bin/env bash
# End-to-end benchmarks through the relay on 127.0.0.1, with ALSA's file plugin as devices
# (Resources/alsa/ptt-test.conf: not real time, the engines pace themselves):
#   - PESQ-WB: espeak-ng speech captured by A (`ptt join … --json --mode open`), relayed, played by
#     B (`ptt join … --json --listen`) into a file; against the codec alone (same settings);
#   - client cost: CPU (% of one core, /proc/PID/stat) and RSS of A while it talks and hears three
#     other speakers; bytes per talking second upstream and while not talking (relay /metrics);
#   - time from starting `ptt join` to its "ready" event.
# Needs: espeak-ng, sox, python3 with pesq and numpy. Usage: BIN=dir scripts/bench-e2e.sh
set -euo pipefail
shopt -s inherit_errexit
cd "$(dirname "$0")/.."
BENCH_NAME=bench-e2e
source scripts/bench-lib.sh
SWIFT=${SWIFT:-swift}
PYTHON=${PYTHON:-python3}
if [ -z "${BIN:-}" ]; then
    for p in ptt ptt-relay PTTAudioBench; do $SWIFT build -c release --product $p >/dev/null; done
    BIN="$($SWIFT build -c release --show-bin-path)"
fi
PTT="$BIN/ptt"
DIR=$(mktemp -d /tmp/ptt-e2e.XXXXXX)
PIDS=()
RELAY=
cleanup() {
    PIDS+=($RELAY)
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
    for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
    [ -n "${KEEP:-}" ] || rm -rf "$DIR"
}
trap cleanup EXIT
LOAD_AT_START=$(cut -d' ' -f1-3 /proc/loadavg)
export ALSA_CONFIG_PATH="/usr/share/alsa/alsa.conf:$PWD/Resources/alsa/ptt-test.conf"

espeak-ng -s 150 -w "$DIR/speech.wav" "$SPEECH_TEXT"
sox -q "$DIR/speech.wav" -r 48000 -c 1 -b 16 -e signed -t raw "$DIR/speech48.raw"
# A's microphone: 1 s of silence, the speech, 30 s of silence (past its end the file plugin repeats stale data).
sox -q -t raw -r 48000 -c 1 -b 16 -e signed "$DIR/speech48.raw" -t raw "$DIR/mic.raw" pad 1 30
sox -q -t raw -r 48000 -c 1 -b 16 -e signed "$DIR/speech48.raw" -r 16000 -t raw "$DIR/ref16.raw"
SPEECH_S=$($PYTHON -c "import os; print(os.path.getsize('$DIR/speech48.raw') / 96000)")

RELAY_PORT=$((20000 + RANDOM % 20000))
"$BIN/ptt-relay" --bind 127.0.0.1:$RELAY_PORT --log-level warning > "$DIR/relay.out" 2>"$DIR/relay.err" &
RELAY=$!
wait_for_line "$DIR/relay.out" "listening on" 10 "the relay's \"listening on\""
URL="ws://127.0.0.1:$RELAY_PORT"
metric() { curl -s --noproxy "*" "http://127.0.0.1:$RELAY_PORT/metrics" | awk -v m="$1" '$1 == m { print $2 }'; }

join() { # name in out log options...
    local name=$1 in=$2 out=$3 log=$4; shift 4
    start_with_held_stdin "$DIR/$name.in" 120 env TEST_ALSA_IN="$in" TEST_ALSA_OUT="$out" \
        "$PTT" join room "$name" --relay "$URL" --json --no-cues "$@" > "$log" 2>&1
}

# 1. Join to ready, five times, as a listener (no devices opened before ready matter).
JOIN_MS=()
for i in 1 2 3 4 5; do
    start=$(date +%s%N)
    join "probe$i" /dev/zero /dev/null "$DIR/probe$i.log" --listen
    for _ in $(seq 300); do grep -q '"event":"ready"' "$DIR/probe$i.log" 2>/dev/null && break; sleep 0.005; done
    grep -q '"event":"ready"' "$DIR/probe$i.log" || bench_fail "join $i: no \"ready\" within 1.5 s: $(tail -n 3 "$DIR/probe$i.log")"
    JOIN_MS+=($(( ($(date +%s%N) - start) / 1000000 )))
    kill $LAST; wait $LAST 2>/dev/null || true
done

# 2. PESQ-WB, three runs: B listens into a file, A talks the speech.
"$BIN/PTTAudioBench" loss "$DIR/speech48.raw" 0 1 "$DIR/codec48.raw" 0 0 > /dev/null   # no loss, no jitter
PESQ_RUNS=()
for run in 1 2 3; do
rm -f "$DIR/b.raw"
join pesqlistener$run /dev/zero "$DIR/b.raw" "$DIR/b.log" --listen
B=$LAST
wait_for_line "$DIR/b.log" '"event":"ready"' 10 "B's \"ready\""
join pesqtalker$run "$DIR/mic.raw" /dev/null "$DIR/a.log" --mode open
A=$LAST
sleep $($PYTHON -c "print($SPEECH_S + 3)")
kill $A $B; wait $A $B 2>/dev/null || true
PESQ=$($PYTHON - "$DIR/ref16.raw" "$DIR/b.raw" "$DIR/codec48.raw" <<'PY'
import sys, numpy as np
from pesq import pesq
from math import gcd
ref = np.fromfile(sys.argv[1], dtype='<i2').astype(np.float32)
def to16(path):
    x = np.fromfile(path, dtype='<i2').astype(np.float32)
    # 48 kHz -> 16 kHz: average over 3 after a 7.4 kHz low-pass (windowed sinc).
    k = np.sinc(np.arange(-64, 65) * (7400 * 2 / 48000)) * np.hanning(129); k /= k.sum()
    return np.convolve(x, k, mode='same')[::3]
def aligned(deg):
    n = 1 << int(np.ceil(np.log2(len(deg) + len(ref))))
    c = np.fft.irfft(np.fft.rfft(deg, n) * np.conj(np.fft.rfft(ref, n)), n)
    lag = int(np.argmax(c[:len(deg)]))
    seg = deg[lag:lag + len(ref)]
    return np.pad(seg, (0, len(ref) - len(seg)))
b = aligned(to16(sys.argv[2]))
c = aligned(to16(sys.argv[3]))
print(f"{pesq(16000, ref, b, 'wb'):.2f} {pesq(16000, ref, c, 'wb'):.2f}")
PY
)
read -r e2e PESQ_CODEC <<<"$PESQ"
PESQ_RUNS+=($e2e)
done


# 3. Cost: A talks (open mode, speech then silence) and hears three other open-mode speakers;
#    then A alone stays joined without talking (hold mode) to count bytes while not talking.
for s in 1 2 3; do join "speaker$s" "$DIR/mic.raw" /dev/null "$DIR/s$s.log" --mode open; done
join costly "$DIR/mic.raw" /dev/null "$DIR/c.log" --mode open
C=$LAST
sleep 2
hz=$(getconf CLK_TCK)
cpu0=$(cpu_ticks $C); t0=$(date +%s%N)
sleep 10
cpu1=$(cpu_ticks $C); t1=$(date +%s%N)
CPU=$($PYTHON -c "print(f'{100 * ($cpu1 - $cpu0) / $hz / (($t1 - $t0) / 1e9):.1f}')")
RSS=$(awk '/VmRSS/ { printf "%.1f", $2 / 1024 }' /proc/$C/status)
HWM=$(awk '/VmHWM/ { printf "%.1f", $2 / 1024 }' /proc/$C/status)
for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
PIDS=()

# Bytes: one talker, 10 s talking (open mode), then 10 s joined without talking (hold, no key).
bytes() { metric ptt_relay_bytes_in_total; }
frames() { metric ptt_relay_frames_in_total; }
join talker2 "$DIR/mic.raw" /dev/null "$DIR/t2.log" --mode open
T=$LAST
sleep 2
b0=$(bytes); f0=$(frames); sleep 10; b1=$(bytes); f1=$(frames)
kill $T; wait $T 2>/dev/null || true
join quiet "$DIR/mic.raw" /dev/null "$DIR/q.log" --mode hold
Q=$LAST
sleep 2
b2=$(bytes); sleep 10; b3=$(bytes)
kill $Q; wait $Q 2>/dev/null || true
UP=$($PYTHON -c "print(f'{($b1 - $b0) / 10:.0f} {($f1 - $f0) / 10:.1f}')")
read -r UP_BYTES UP_FRAMES <<<"$UP"
QUIET_BYTES=$((b3 - b2))

echo "Load average at the start: $LOAD_AT_START. Built from $(tree_commit)."
echo
printf '| measure | result | target |\n|---|---|---|\n'
echo "| PESQ-WB end to end (A → relay → B), 24 kbit/s, 20 ms, 3 runs | ${PESQ_RUNS[*]} | ≥ 4.0 |"
echo "| PESQ-WB codec alone (PTTAudioBench, same settings, no loss or jitter) | $PESQ_CODEC | end to end ≥ codec − 0.1 |"
echo "| client CPU, talking + hearing 3 speakers (10 s) | $CPU % of one core | < 4 % |"
echo "| client RSS (now / peak) | $RSS / $HWM MiB | < 40 MB |"
echo "| upstream audio bytes per talking second (relay \`ptt_relay_bytes_in_total\`: frame header + Opus) | $UP_BYTES B/s ($UP_FRAMES frames/s; + about 6 B of WebSocket framing per frame) | < 6 kB |"
echo "| audio bytes in 10 s joined, not talking | $QUIET_BYTES | 0 |"
echo "| \`ptt join\` start to \"ready\" event (5 joins; median) | ${JOIN_MS[*]} ms; $(printf '%s\n' "${JOIN_MS[@]}" | sort -n | sed -n 3p) ms | < 300 ms |"
