#!/usr/bin/env bash
# Audio benchmarks for BENCHMARKS.md: Opus cost per frame, PESQ-WB of the receive path
# (encode → random loss → jitter buffer → decode) at 0/5/10 % loss, CPU and RSS of the live
# audio path (ALSA capture + encode, three speakers decoded and mixed to ALSA playback),
# and the delay pre-roll adds to a spurt.
# Needs: espeak-ng, sox, python3 with `pesq` and `numpy` (pip install pesq numpy).
# Usage: scripts/bench-audio.sh [cpu-seconds]
set -euo pipefail
cd "$(dirname "$0")/.."
SWIFT=${SWIFT:-swift}
CPU_SECONDS=${1:-10}
PYTHON=${PYTHON:-python3}
$PYTHON -c 'import pesq, numpy' 2>/dev/null || { echo "bench-audio: needs python packages: pip install pesq numpy (or run make bench-audio)" >&2; exit 1; }
$SWIFT build -c release --product PTTAudioBench >/dev/null
BENCH="$($SWIFT build -c release --show-bin-path)/PTTAudioBench"
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

# About 20 s of speech from espeak-ng, 48 kHz mono raw; the PESQ reference is the same at 16 kHz.
espeak-ng -s 150 -w "$TMP/speech.wav" "The quick brown fox jumps over the lazy dog. \
Push to talk works best when the latency stays low and the voice stays clear. \
Please hold the space bar while you speak, and release it when you are done. \
Seven hundred and twenty three people joined the meeting on Tuesday morning. \
If you can hear this sentence clearly, the codec and the jitter buffer are doing their job."
sox -q "$TMP/speech.wav" -r 48000 -c 1 -b 16 -e signed -t raw "$TMP/speech48.raw"
sox -q -t raw -r 48000 -c 1 -b 16 -e signed "$TMP/speech48.raw" -r 16000 -t raw "$TMP/ref16.raw"

pesq_of() {
    $PYTHON - "$TMP/ref16.raw" "$1" <<'PY'
import sys, numpy as np
from pesq import pesq
ref = np.fromfile(sys.argv[1], dtype=np.int16).astype(np.float32)
deg = np.fromfile(sys.argv[2], dtype=np.int16).astype(np.float32)
n = min(len(ref), len(deg))
print(f"{pesq(16000, ref[:n], deg[:n], 'wb'):.2f}")
PY
}

echo "## Audio ($(date -u +%Y-%m-%d), $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'))"
echo
echo "Command: \`make bench-audio\` (scripts/bench-audio.sh). Opus $(pkg-config --modversion opus), VOIP, 24 kbit/s VBR, 20 ms, complexity 8, wideband, in-band FEC."
echo
echo "### Opus cost per 20 ms frame (speech, release build)"
echo
"$BENCH" codec "$TMP/speech48.raw" | sed 's/^/    /'
echo
echo "### PESQ-WB of encode → loss → jitter buffer → decode (5 random loss patterns each)"
echo
echo "Frames arrive with 0-10 ms of jitter; lost frames are rebuilt from the next packet's FEC or concealed."
echo "With \`--expected-loss auto\` (the default) the encoder's FEC follows the loss seen on incoming audio,"
echo "so the first three rows are what a client converges to; the others show the trade-off."
echo
echo "| loss | encoder expected loss | PESQ-WB per pattern | mean | target |"
echo "|---|---|---|---|---|"
for row in "0 0 ≥ 4.0" "5 5 ≥ 2.8" "10 10 ≥ 2.5" "0 10 -" "5 0 -" "10 0 -"; do
    set -- $row
    loss=$1; expected=$2; shift 2; target="$*"
    scores=()
    for seed in 1 2 3 4 5; do
        "$BENCH" loss "$TMP/speech48.raw" "$loss" "$seed" "$TMP/deg48.raw" "$expected" > "$TMP/loss-$loss-$expected.txt"
        sox -q -t raw -r 48000 -c 1 -b 16 -e signed "$TMP/deg48.raw" -r 16000 -t raw "$TMP/deg16.raw" 2>/dev/null
        scores+=("$(pesq_of "$TMP/deg16.raw")")
    done
    mean=$($PYTHON -c "import sys; v=[float(x) for x in sys.argv[1:]]; print(f'{sum(v)/len(v):.2f}')" "${scores[@]}")
    echo "| $loss % | $expected % | ${scores[*]} | $mean | $target |"
done
echo
echo "Jitter buffer counters for the last pattern of each row with matched FEC:"
echo
for loss in 0 5 10; do echo "    $loss %: $(cat "$TMP/loss-$loss-$loss.txt")"; done
echo
echo "### Live audio path for ${CPU_SECONDS} s: ALSA capture + encode, 3 speakers decoded, mixed, played"
echo
echo "ALSA file plugin (Resources/alsa/ptt-test.conf), paced in real time by the engines."
echo
ALSA_CONFIG_PATH="/usr/share/alsa/alsa.conf:$PWD/Resources/alsa/ptt-test.conf" \
TEST_ALSA_IN="$TMP/speech48.raw" TEST_ALSA_OUT=/dev/null \
    "$BENCH" cpu "$TMP/speech48.raw" "$CPU_SECONDS" | sed 's/^/    /'
echo
echo "### Pre-roll delay (vox; voice starts at frame 10)"
echo
"$BENCH" preroll | sed 's/^/    /'
