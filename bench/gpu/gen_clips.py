"""Step "data" of bench/gpu/run.sh: N seeded clips of 0.5-8 s at 8, 16 and 44.1 kHz.

usage: gen_clips.py OUT_DIR N SEED RESULT_JSON

The same kinds of clip as bench/embed/gen.py (chirps, harmonic tones, brown and white noise),
written as 16-bit PCM WAV with the standard library's ``wave`` and numpy only: the GPU host has
neither soundfile nor espeak-ng. Writes OUT_DIR/manifest.csv (path,label,rate) and a summary.
"""

import csv
import json
import os
import sys
import wave

import numpy as np


def main() -> None:
    out, n, seed, result = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
    os.makedirs(out, exist_ok=True)
    rng = np.random.default_rng(seed)
    rates = [8000, 16000, 44100]
    labels = ["chirp", "harmonic", "brown", "white"]
    rows, seconds = [], 0.0
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
        name = f"clip-{i:05d}.wav"
        with wave.open(os.path.join(out, name), "wb") as w:
            w.setnchannels(1)
            w.setsampwidth(2)
            w.setframerate(sr)
            w.writeframes((x * 32767).astype("<i2").tobytes())
        rows.append({"path": name, "label": labels[kind], "rate": sr})
        seconds += t.size / sr
    with open(os.path.join(out, "manifest.csv"), "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=["path", "label", "rate"], lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
    with open(result, "w") as f:
        json.dump({"clips": n, "audio_seconds": round(seconds, 1), "seed": seed}, f)


if __name__ == "__main__":
    main()
