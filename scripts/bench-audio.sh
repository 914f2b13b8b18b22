#!/usr/bin/env bash
# Audio benchmarks for BENCHMARKS.md: Opus cost per frame, PESQ-WB of the receive path
# (encode → random loss → jitter buffer → decode) at 0/5/10 % loss, CPU and RSS of the live
# audio path (ALSA capture + encode, three speakers decoded and mixed to ALSA playback),
# and the delay pre-roll adds to a spurt. Writes markdown tables (measured, target, met or
# missed) on stdout for scripts/update-benchmarks.sh; progress goes to stderr.
# Needs: espeak-ng, sox, pkg-config, python3 with `pesq` and `numpy` (make bench-deps).
# Usage: scripts/bench-audio.sh [cpu-seconds] > .build/bench-audio.md   (BIN=dir of release binaries)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/bench-lib.sh
SWIFT=${SWIFT:-swift}
CPU_SECONDS=${1:-10}
PYTHON=${PYTHON:-python3}
for tool in espeak-ng sox pkg-config; do
    command -v $tool >/dev/null || { echo "bench-audio: needs $tool (make bench-deps)" >&2; exit 1; }
done
command -v "$PYTHON" >/dev/null || { echo "bench-audio: needs $PYTHON (make bench-deps)" >&2; exit 1; }
"$PYTHON" -c 'import pesq, numpy' 2>/dev/null || { echo "bench-audio: $PYTHON needs the packages pesq and numpy (make bench-deps)" >&2; exit 1; }
if [ -z "${BIN:-}" ]; then
    $SWIFT build -c release --product PTTAudioBench >&2
    BIN="$($SWIFT build -c release --show-bin-path)"
fi
BENCH="$BIN/PTTAudioBench"
[ -x "$BENCH" ] || { echo "bench-audio: no $BENCH (swift build -c release --product PTTAudioBench)" >&2; exit 1; }
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
LOAD_AT_START=$(cut -d' ' -f1-3 /proc/loadavg)
progress() { echo "bench-audio: $*" >&2; }

# The value after KEY in a line of "key value key value ..." pairs.
field() { # key, line
    awk -v k="$1" '{ for (i = 1; i < NF; i += 2) if ($i == k) { print $(i + 1); exit } }' <<<"$2"
}
# "met", or how far VALUE misses TARGET; OP is ">=" or "<".
verdict() { # value, op, target, unit, digits
    "$PYTHON" - "$@" <<'PY'
import sys
value, op, target, unit, digits = float(sys.argv[1]), sys.argv[2], float(sys.argv[3]), sys.argv[4], int(sys.argv[5])
met = value >= target if op == ">=" else value < target
print("met" if met else f"missed by {abs(value - target):.{digits}f}{unit}")
PY
}

# About 20 s of speech from espeak-ng, 48 kHz mono raw; the PESQ reference is the same at 16 kHz.
progress "speech from espeak-ng"
espeak-ng -s 150 -w "$TMP/speech.wav" "The quick brown fox jumps over the lazy dog. \
Push to talk works best when the latency stays low and the voice stays clear. \
Please hold the space bar while you speak, and release it when you are done. \
Seven hundred and twenty three people joined the meeting on Tuesday morning. \
If you can hear this sentence clearly, the codec and the jitter buffer are doing their job."
sox -q "$TMP/speech.wav" -r 48000 -c 1 -b 16 -e signed -t raw "$TMP/speech48.raw"
sox -q -t raw -r 48000 -c 1 -b 16 -e signed "$TMP/speech48.raw" -r 16000 -t raw "$TMP/ref16.raw"

pesq_of() {
    "$PYTHON" - "$TMP/ref16.raw" "$1" <<'PY'
import sys, numpy as np
from pesq import pesq
ref = np.fromfile(sys.argv[1], dtype=np.int16).astype(np.float32)
deg = np.fromfile(sys.argv[2], dtype=np.int16).astype(np.float32)
n = min(len(ref), len(deg))
print(f"{pesq(16000, ref[:n], deg[:n], 'wb'):.2f}")
PY
}

progress "Opus cost per frame"
CODEC=$("$BENCH" codec "$TMP/speech48.raw" | tr '\n' ' ')
share() { "$PYTHON" -c "print(f'{100 * $1 / 20000:.2f}')"; }   # µs per 20 ms frame → % of one core

# Encoder complexity against cost and quality: encode µs per frame, PESQ-WB of the codec alone
# (no loss, no jitter), for ptt's default (8) and the settings around it.
COMPLEXITY_ROWS=()
for c in 10 9 8 7 6 5; do
    progress "encoder complexity $c"
    enc_c=$(field encode_us_per_frame "$("$BENCH" codec "$TMP/speech48.raw" "$c" | tr '\n' ' ')")
    "$BENCH" loss "$TMP/speech48.raw" 0 1 "$TMP/deg48.raw" 0 0 "$c" > /dev/null
    sox -q -t raw -r 48000 -c 1 -b 16 -e signed "$TMP/deg48.raw" -r 16000 -t raw "$TMP/deg16.raw" 2>/dev/null
    pesq_c=$(pesq_of "$TMP/deg16.raw")
    COMPLEXITY_ROWS+=("| $c$([ "$c" = 8 ] && echo " (default)") | $enc_c µs | $(share "$enc_c") % | $pesq_c | $(verdict "$pesq_c" ">=" 4.0 "" 2) |")
done

# PESQ-WB rows: loss %, encoder expected loss %, target (mean ≥ target), five patterns each.
PESQ_ROWS=()
for row in "0 0 4.0" "5 5 2.8" "10 10 2.5" "0 10 -" "5 0 -" "10 0 -"; do
    read -r loss expected target <<<"$row"
    scores=()
    for seed in 1 2 3 4 5; do
        progress "PESQ-WB, $loss % loss, encoder expecting $expected %, pattern $seed of 5"
        "$BENCH" loss "$TMP/speech48.raw" "$loss" "$seed" "$TMP/deg48.raw" "$expected" > "$TMP/loss-$loss-$expected.txt"
        sox -q -t raw -r 48000 -c 1 -b 16 -e signed "$TMP/deg48.raw" -r 16000 -t raw "$TMP/deg16.raw" 2>/dev/null
        scores+=("$(pesq_of "$TMP/deg16.raw")")
    done
    mean=$("$PYTHON" -c "import sys; v=[float(x) for x in sys.argv[1:]]; print(f'{sum(v)/len(v):.2f}')" "${scores[@]}")
    if [ "$target" = - ]; then
        PESQ_ROWS+=("| $loss % | $expected % | ${scores[*]} | $mean | - | - |")
    else
        PESQ_ROWS+=("| $loss % | $expected % | ${scores[*]} | $mean | ≥ $target | $(verdict "$mean" ">=" "$target" "" 2) |")
    fi
done

progress "live audio path for $CPU_SECONDS s"
LIVE=$(ALSA_CONFIG_PATH="/usr/share/alsa/alsa.conf:$PWD/Resources/alsa/ptt-test.conf" \
    TEST_ALSA_IN="$TMP/speech48.raw" TEST_ALSA_OUT=/dev/null \
    "$BENCH" cpu "$TMP/speech48.raw" "$CPU_SECONDS" | tr '\n' ' ')

progress "pre-roll delay"
PREROLL=$("$BENCH" preroll)
progress "speech processing: noise, level, echo, cost"
QUALITY=$("$BENCH" quality "$TMP/speech48.raw" "$TMP")
for f in noisy cleaned; do
    sox -q -t raw -r 48000 -c 1 -b 16 -e signed "$TMP/$f.raw" -r 16000 -t raw "$TMP/${f}16.raw"
done
PESQ_NOISY=$(pesq_of "$TMP/noisy16.raw")
PESQ_CLEANED=$(pesq_of "$TMP/cleaned16.raw")
PROCESSING=$("$BENCH" processing "$TMP/speech48.raw")

echo "Load average at the start: $LOAD_AT_START. Built from $(tree_commit)."
echo "Opus $(pkg-config --modversion opus), VOIP, 24 kbit/s VBR, 20 ms, complexity 8, wideband, in-band FEC."
echo
echo "**Opus cost per 20 ms frame** (release build, $(field frames "$CODEC") frames of speech, 5 passes):"
echo
echo "| measure | result | share of one core |"
echo "|---|---|---|"
enc=$(field encode_us_per_frame "$CODEC") dec=$(field decode_us_per_frame "$CODEC")
echo "| encode | $enc µs per frame | $(share "$enc") % |"
echo "| decode | $dec µs per frame | $(share "$dec") % |"
echo "| bitrate | $(field bitrate_kbps "$CODEC") kbit/s | - |"
echo
echo "**Encoder complexity** (encode cost measured as above, one run per row: runs of one setting differ by about 5 %; PESQ-WB of the codec alone: no loss, no jitter;"
echo "the end-to-end target is PESQ-WB ≥ 4.0):"
echo
echo "| complexity | encode per frame | share of one core | PESQ-WB | ≥ 4.0? |"
echo "|---|---|---|---|---|"
printf '%s\n' "${COMPLEXITY_ROWS[@]}"
echo
echo "**PESQ-WB of encode → loss → jitter buffer → decode** (5 random loss patterns per row; frames arrive"
echo "with 0–10 ms of jitter; lost frames are rebuilt from the next packet's FEC or concealed). With"
echo "\`--expected-loss auto\` (the default) the encoder's FEC follows the loss seen on incoming audio, so"
echo "the first three rows are what a client converges to; the others show the trade-off."
echo
echo "| loss | encoder expected loss | PESQ-WB per pattern | mean | target | met? |"
echo "|---|---|---|---|---|---|"
printf '%s\n' "${PESQ_ROWS[@]}"
echo
echo "**Jitter buffer counters** for the last pattern of each row with matched FEC:"
echo
echo "| loss | frames sent | dropped by the network | lost | recovered from FEC | concealed | late | underruns | quiet frames dropped |"
echo "|---|---|---|---|---|---|---|---|---|"
for loss in 0 5 10; do
    c=$(cat "$TMP/loss-$loss-$loss.txt")
    echo "| $loss % | $(field sent "$c") | $(field dropped "$c") | $(field lost "$c") | $(field recovered_fec "$c") | $(field concealed "$c") | $(field late "$c") | $(field underruns "$c") | $(field quiet_dropped "$c") |"
done
echo
echo "**Live audio path for $CPU_SECONDS s**: ALSA capture + encode, 3 speakers decoded, mixed, played; ALSA file"
echo "plugin (Resources/alsa/ptt-test.conf), paced in real time by the engines; 1 s of warm-up before measuring."
echo
echo "| measure | result | target | met? |"
echo "|---|---|---|---|"
cpu=$(field cpu_percent_of_one_core "$LIVE")
echo "| CPU of the process | $cpu % of one core ($(field cpu_ms "$LIVE") ms in $(field wall_s "$LIVE") s) | < 4 % | $(verdict "$cpu" "<" 4 " point" 2) |"
echo "| peak RSS of the process | $(field max_rss_mib "$LIVE") MiB | - | - |"
echo "| speakers active at the end | $(field speakers_active "$LIVE") of 3 | - | - |"
echo "| frames sent (warm-up included) | $(field frames_sent "$LIVE") | - | - |"
echo "| xruns, capture / playback | $(field capture_xruns "$LIVE") / $(field playback_xruns "$LIVE") | - | - |"
echo
echo "**Pre-roll delay** (vox; voice starts at frame 10; frames of 20 ms):"
echo
echo "| pre-roll | first frame sent at frame | first voiced frame leaves after | END frame leaves after |"
echo "|---|---|---|---|"
while read -r line; do
    echo "| $(field preroll_ms "$line") ms | $(field first_frame_sent_at "$line") | $(field onset_frame_delay_ms "$line") ms | $(field end_delay_ms "$line") ms |"
done <<<"$PREROLL"
echo
echo "**Speech processing** (ptt's defaults: speexdsp noise suppression -30 dB, AGC, echo cancellation with a"
echo "100 ms tail; the speech above as the talker; 2 s of settling left out of the measures):"
echo
echo "| measure | result | target | met? |"
echo "|---|---|---|---|"
noise=$(field noise_in_pauses_db "$QUALITY")
level=$(field speech_level_db "$QUALITY")
erle=$(field erle_db "$QUALITY")
echo "| noise in the pauses, white noise 15 dB under the speech, against \`--no-processing\` | $noise dB | ≤ -10 dB | $(verdict "$(python3 -c "print(-($noise))")" ">=" 10 " dB" 2) |"
echo "| speech level against the clean speech | $level dB | within ±6 dB | $(verdict "$(python3 -c "print(6 - abs($level))")" ">=" 0 " dB" 2) |"
echo "| PESQ-WB of the noisy speech, unprocessed → processed | $PESQ_NOISY → $PESQ_CLEANED | no worse | $(verdict "$(python3 -c "print($PESQ_CLEANED - $PESQ_NOISY)")" ">=" 0 "" 2) |"
echo "| echo return loss enhancement, far end heard at -10 dB after 50 ms, after 2 s | $erle dB | ≥ 20 dB | $(verdict "$erle" ">=" 20 " dB" 2) |"
p1=$(field process_percent_of_one_core "$PROCESSING")
p2=$(field echo_process_percent_of_one_core "$PROCESSING")
echo "| CPU, noise suppression and AGC | $(field process_cpu_us_per_frame "$PROCESSING") µs per 20 ms frame ($p1 % of one core) | ≤ 1 % | $(verdict "$p1" "<" 1 " point" 2) |"
echo "| CPU, with echo cancellation (ptt's default) | $(field echo_process_cpu_us_per_frame "$PROCESSING") µs per 20 ms frame ($p2 % of one core) | ≤ 1 % | $(verdict "$p2" "<" 1 " point" 2) |"
p3=$(field echo_busy_process_percent_of_one_core "$PROCESSING")
echo "| CPU, echo cancellation never resting (the speakers never quiet for 100 ms) | $(field echo_busy_process_cpu_us_per_frame "$PROCESSING") µs per 20 ms frame ($p3 % of one core) | ≤ 1 % | $(verdict "$p3" "<" 1 " point" 2) |"
echo "| added latency | 10 ms (one 10 ms block) | at most one period | met |"
echo
echo "**Voice activation under noise** (vox's defaults, -40/-46 dBFS; the speech with 2 s of silence in each"
echo "pause between phrases; white noise 15 or 5 dB below the speech; speech frames over -30 dBFS, pauses under"
echo "-50 dBFS and 500 ms from speech; frames where the gate is open):"
echo
echo "| vox decides on | noise | speech frames sent | pause frames sent |"
echo "|---|---|---|---|"
for snr in 15 5; do
    for m in "raw:the microphone as captured (no processing)" "processed:the cleaned microphone (ptt)" "probability:speexdsp's speech probability (35 %/20 %)"; do
        line=$(grep "^vox ${m%%:*}_snr$snr " <<<"$QUALITY")
        echo "| ${m#*:} | $snr dB under | $(field speech_sent_pct "$line") % | $(field pause_sent_pct "$line") % |"
    done
done

