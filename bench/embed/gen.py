"""Generates the bench/embed data set: N clips of 0.5-8 s at 8, 16 and 44.1 kHz.

usage: gen.py OUT_DIR N SEED. Clips are chirps, tones and coloured noise with a seeded RNG;
a tenth are espeak-ng speech (written by run.mjs). Writes manifest.csv (path,label,rate).
"""

import csv
import os
import sys

import numpy as np
import soundfile as sf

out, n, seed = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
os.makedirs(out, exist_ok=True)
rng = np.random.default_rng(seed)
rates = [8000, 16000, 44100]
rows = []
for i in range(n):
    sr = rates[i % 3]
    dur = 0.5 + 7.5 * rng.random()
    t = np.arange(int(sr * dur)) / sr
    kind = i % 4
    if kind == 0:
        f0, f1 = 100 + 400 * rng.random(), 500 + 3000 * rng.random()
        x = np.sin(2 * np.pi * (f0 * t + (f1 - f0) * t * t / (2 * dur)))
    elif kind == 1:
        x = sum(
            np.sin(2 * np.pi * (120 + 90 * k) * (1 + 0.3 * rng.random()) * t) / (k + 1)
            for k in range(5)
        )
    else:
        x = np.cumsum(rng.standard_normal(t.size)) if kind == 2 else rng.standard_normal(t.size)
        x = x - x.mean()
    x = 0.4 * x / (np.abs(x).max() + 1e-9)
    path = os.path.join(out, f"clip-{i:05d}.wav")
    sf.write(path, x.astype(np.float32), sr, subtype="PCM_16")
    rows.append(
        {
            "path": os.path.basename(path),
            "label": ["chirp", "harmonic", "brown", "white"][kind],
            "rate": sr,
        }
    )
with open(os.path.join(out, "manifest.csv"), "w", newline="") as f:
    w = csv.DictWriter(f, fieldnames=["path", "label", "rate"], lineterminator="\n")
    w.writeheader()
    w.writerows(rows)
