#!/usr/bin/env bash
# Mouth-to-ear latency of `ptt echo --delay-ms 0` (capture → gate → Opus → jitter buffer →
# decode → mix → playback) on real-time ALSA devices: a private PulseAudio server with a
# stereo null sink whose left channel is remapped into a "microphone" and whose right channel
# is fed by a "speaker" (TESTING.md). One recording of the sink's monitor holds the injected
# speech and ptt's output on one clock; cross-correlation gives the latency.
# Needs: pulseaudio pulseaudio-utils libasound2-plugins sox espeak-ng, python3 with numpy, root
# (the server runs as `nobody`). Usage: scripts/bench-latency.sh
set -euo pipefail
cd "$(dirname "$0")/.."
SWIFT=${SWIFT:-swift}
PYTHON=${PYTHON:-python3}
for tool in pulseaudio pactl parec paplay sox espeak-ng; do
    command -v $tool >/dev/null || { echo "bench-latency: needs $tool (apt-get install pulseaudio pulseaudio-utils libasound2-plugins sox espeak-ng)" >&2; exit 1; }
done
$SWIFT build -c release --product ptt >/dev/null
PTT="$($SWIFT build -c release --show-bin-path)/ptt"
DIR=$(mktemp -d /tmp/ptt-latency.XXXXXX)
chmod 755 "$DIR"
mkdir "$DIR/pa" && chown nobody "$DIR/pa" && chmod 700 "$DIR/pa"
SOCKET="$DIR/pa/native"
su nobody -s /bin/sh -c "XDG_RUNTIME_DIR=$DIR/pa HOME=$DIR/pa exec pulseaudio --daemonize=no --exit-idle-time=-1 -n --use-pid-file=no \
    --load='module-native-protocol-unix auth-anonymous=1 socket=$SOCKET' \
    --load='module-null-sink sink_name=both channels=2 rate=48000' \
    --load='module-remap-source source_name=mic master=both.monitor channels=1 master_channel_map=front-left channel_map=mono' \
    --load='module-remap-sink sink_name=spk master=both channels=1 master_channel_map=front-right channel_map=mono'" \
    >"$DIR/pulse.log" 2>&1 &
PULSE_PID=$!
trap 'kill $PULSE_PID 2>/dev/null; wait $PULSE_PID 2>/dev/null; rm -rf "$DIR"' EXIT
export PULSE_SERVER="unix:$SOCKET"
for _ in $(seq 50); do pactl info >/dev/null 2>&1 && break; sleep 0.1; done
cat > "$DIR/alsa.conf" <<CONF
pcm.pa_mic { type pulse device "mic" server "unix:$SOCKET" }
pcm.pa_spk { type pulse device "spk" server "unix:$SOCKET" }
CONF
export ALSA_CONFIG_PATH="/usr/share/alsa/alsa.conf:$DIR/alsa.conf"
espeak-ng -w "$DIR/speech.wav" "Testing the latency of push to talk, one two three four five."
sox -q "$DIR/speech.wav" -r 48000 -c 2 "$DIR/probe.wav" remix 1 0

measure() {
    parec -d both.monitor --rate=48000 --channels=2 --format=s16le --raw > "$DIR/rec.raw" & local rec=$!
    ( sleep 1.5; paplay -d both "$DIR/probe.wav" ) & local play=$!
    "$PTT" echo --input pa_mic --output pa_spk --delay-ms 0 --seconds 6 --no-cues "$@" > "$DIR/echo.log" 2>&1
    wait $play; kill $rec; wait $rec 2>/dev/null || true
    $PYTHON - "$DIR/rec.raw" <<'PY'
import sys, numpy as np
x = np.fromfile(sys.argv[1], dtype=np.int16).astype(float).reshape(-1, 2)
l, r = x[:, 0], x[:, 1]
n = 1 << int(np.ceil(np.log2(2 * len(l))))
c = np.fft.irfft(np.fft.rfft(r, n) * np.conj(np.fft.rfft(l, n)), n)
lag = int(np.argmax(c[:48000]))
print(f"{lag / 48:.1f} ms (correlation {c[lag] / np.sqrt(np.dot(l, l) * np.dot(r, r)):.2f})", end="")
PY
    echo "; $(tr '\r' '\n' < "$DIR/echo.log" | grep '^sent' | sed 's/.*xruns/xruns/')"
}

echo "| profile | mouth-to-ear (3 runs) |"
echo "|---|---|"
for profile in "" "--period-ms 5" "--low-latency" "--low-latency --period-ms 5"; do
    results=()
    for _ in 1 2 3; do results+=("$(measure $profile)"); done
    echo "| ${profile:-default (20 ms frames, 10 ms periods)} | ${results[0]}<br>${results[1]}<br>${results[2]} |"
done
