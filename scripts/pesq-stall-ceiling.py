#!/usr/bin/env python3
"""What PESQ-WB can give a listener whose link stalls for GAP seconds every EVERY seconds, for
an ideal receiver: the benches' speech with GAP of silence inserted at each stall and nothing
else changed (no word lost, no speed change, the delay left where the stall put it). A receiver
that also brings the delay back only adds time compression to that. Prints the score for each
phase of the stalls against the speech.

Usage: pesq-stall-ceiling.py SPEECH.wav [GAP EVERY]   (16 kHz or resampled with sox; needs numpy, pesq)
"""
import subprocess, sys, tempfile, os
import numpy as np
from pesq import pesq

wav = sys.argv[1]
gap = float(sys.argv[2]) if len(sys.argv) > 2 else 0.4
every = float(sys.argv[3]) if len(sys.argv) > 3 else 5.0
sr = 16000
with tempfile.TemporaryDirectory() as d:
    raw = os.path.join(d, "s.raw")
    subprocess.run(["sox", "-q", wav, "-r", str(sr), "-c", "1", "-b", "16", "-e", "signed", "-t", "raw", raw], check=True)
    ref = np.fromfile(raw, dtype="<i2").astype(float) / 32768 * 0.7
scores = []
for phase in np.arange(0.5, every, 1.0):
    parts, last = [], 0
    for t in np.arange(phase, len(ref) / sr, every):
        i = int(t * sr)
        parts += [ref[last:i], np.zeros(int(gap * sr))]
        last = i
    parts.append(ref[last:])
    deg = np.concatenate(parts)[:len(ref)]
    scores.append(pesq(sr, ref, deg, "wb"))
    print(f"stalls from {phase:.1f} s: PESQ-WB {scores[-1]:.2f}")
print(f"ideal receiver, {gap * 1000:.0f} ms stall every {every:.0f} s: PESQ-WB {min(scores):.2f}-{max(scores):.2f}")
