#!/usr/bin/python3
"""Generate a synthetic Speech Commands v2 style keyword data set with espeak-ng.

Every one of the 35 Speech Commands v2 words (label order from
shared reference ``speech-commands-conformer-large.json``) is spoken by espeak-ng
voices built from an English accent (``en-us``, ``en-gb-scotland`` ...) and a
voice variant (``+m3``, ``+f2``, ``+croak`` ...), at several speeds and
pitches, then augmented with sox (tempo/speed perturbation, light reverb) and
numpy (time shift, gain, coloured noise at several SNRs). A ``_silence_`` class
is made of noise alone.

Output follows the Speech Commands layout: ``<out>/<label>/<speaker>_nohash_<n>.wav``
(1 s, 16 kHz, mono, 16-bit PCM), ``validation_list.txt`` and ``testing_list.txt``
with paths relative to ``<out>``; everything not listed is training data.
``manifest.json`` records every clip's generation parameters.

The split is by voice variant: a variant used for validation or test never
appears in training, under any accent (accents are shared by all splits and
reported separately by evaluate.py).

Everything random derives from ``--seed``: the same seed and the same espeak-ng
and sox versions give the same files.

Usage: /usr/bin/python3 tools/train/gen_data.py --out .cache/kws-data
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import soundfile as sf

SAMPLE_RATE = 16000
CLIP_SAMPLES = SAMPLE_RATE  # 1 s, as in Speech Commands
SILENCE = "_silence_"
REPO = Path(__file__).resolve().parents[2]
LABELS_JSON = Path("/work/shared/reference/speech-commands-conformer-large.json")
LOCAL_LABELS_JSON = Path(__file__).resolve().parent / "labels.json"

# English accents of espeak-ng (MBROLA voices are not installed, so they are not used).
ACCENTS = [
    "en-gb",
    "en-us",
    "en-gb-scotland",
    "en-gb-x-gbclan",
    "en-gb-x-rp",
    "en-gb-x-gbcwmd",
    "en-029",
    "en-us-nyc",
]
SNRS_DB = [None, 30.0, 20.0, 10.0]  # None = no added noise


def load_labels() -> list[str]:
    """Return the 36 labels in id order (35 words then ``_silence_``).

    Reads the checked-in copy ``tools/train/labels.json`` (same content as the
    shared reference file) so the tool works outside this workspace.
    """
    path = LOCAL_LABELS_JSON if LOCAL_LABELS_JSON.exists() else LABELS_JSON
    id2label = json.loads(path.read_text())["id2label"]
    return [id2label[str(i)] for i in range(len(id2label))]


def espeak_text(args: list[str]) -> str:
    """Run espeak-ng for its text output (voice list, version) without leaking pulse files."""
    with tempfile.TemporaryDirectory(prefix="kws-espeak-") as tmp:
        return subprocess.run(
            ["espeak-ng", *args], check=True, capture_output=True, text=True, env=isolated_env(tmp)
        ).stdout.strip()


def list_variants() -> list[str]:
    """Voice variants installed with espeak-ng (``espeak-ng --voices=variant``), sorted."""
    out = espeak_text(["--voices=variant"])
    names = set()
    for line in out.splitlines()[1:]:
        # A file name with a space ("Mr serious") cannot be passed after '+'.
        m = re.search(r"!v/(\S+)\s*(\(|$)", line)
        if m:
            names.add(m.group(1))
    return sorted(names)


def split_variants(variants: list[str], seed: int, n_val: int, n_test: int) -> dict[str, list[str]]:
    """Shuffle variants with ``seed`` and cut them into test, validation and train sets."""
    rng = np.random.default_rng(seed)
    order = [variants[i] for i in rng.permutation(len(variants))]
    return {
        "testing": sorted(order[:n_test]),
        "validation": sorted(order[n_test : n_test + n_val]),
        "training": sorted(order[n_test + n_val :]),
    }


@dataclass
class ClipSpec:
    """Everything needed to render one clip; rendering depends on nothing else."""

    path: str  # relative to the output dir
    label: str
    split: str
    accent: str | None
    variant: str | None
    speed_wpm: int
    pitch: int
    perturb: str  # "tempo" | "speed" | "none"
    perturb_factor: float
    reverb: int  # sox reverberance 0..100, 0 = off
    snr_db: float | None
    noise: str  # white | pink | brown
    gain_db: float  # peak level of the final clip in dBFS
    seed: int


def isolated_env(tmp: str) -> dict[str, str]:
    """Environment that keeps espeak-ng's PulseAudio files inside ``tmp``.

    espeak-ng creates ~/.config/pulse and /tmp/pulse-* even when it writes to
    stdout; pointing HOME/TMPDIR/XDG dirs at a private temp dir keeps them out
    of the user's home and the shared /tmp.
    """
    env = dict(os.environ)
    env.update(HOME=tmp, TMPDIR=tmp, XDG_CONFIG_HOME=tmp, XDG_RUNTIME_DIR=tmp)
    return env


def synth(text: str, voice: str, speed: int, pitch: int, sox_effects: list[str], env) -> np.ndarray:
    """Speak ``text`` with espeak-ng and run it through sox: float32 mono 16 kHz."""
    wav = subprocess.run(
        ["espeak-ng", "-v", voice, "-s", str(speed), "-p", str(pitch), "--stdout", text],
        check=True,
        capture_output=True,
        env=env,
    ).stdout
    raw = subprocess.run(
        [
            "sox",
            "-t",
            "wav",
            "-",
            "-t",
            "raw",
            "-e",
            "float",
            "-b",
            "32",
            "-c",
            "1",
            "-r",
            str(SAMPLE_RATE),
            "-",
            *sox_effects,
        ],
        input=wav,
        check=True,
        capture_output=True,
    ).stdout
    return np.frombuffer(raw, dtype=np.float32).copy()


def active_region(x: np.ndarray, floor_db: float = -40.0) -> np.ndarray:
    """Crop leading/trailing silence: keep 10 ms frames within ``floor_db`` of the loudest."""
    hop = SAMPLE_RATE // 100
    n = len(x) // hop
    if n == 0:
        return x
    energy = (x[: n * hop].reshape(n, hop) ** 2).mean(axis=1)
    on = np.nonzero(energy > energy.max() * 10 ** (floor_db / 10))[0]
    start = max(0, (on[0] - 2) * hop)
    end = min(len(x), (on[-1] + 3) * hop)
    return x[start:end]


def coloured_noise(kind: str, n: int, rng: np.random.Generator) -> np.ndarray:
    """White, pink (1/f power) or brown (1/f^2 power) noise, unit RMS."""
    white = rng.standard_normal(n)
    if kind == "white":
        x = white
    else:
        spec = np.fft.rfft(white)
        f = np.arange(len(spec), dtype=np.float64)
        f[0] = 1.0
        spec /= f ** (0.5 if kind == "pink" else 1.0)
        spec[0] = 0.0
        x = np.fft.irfft(spec, n)
    return (x / (np.sqrt(np.mean(x**2)) + 1e-12)).astype(np.float32)


def render(spec: ClipSpec, env) -> np.ndarray:
    """Render one clip as float32 [CLIP_SAMPLES] following ``spec``."""
    rng = np.random.default_rng(spec.seed)
    if spec.label == SILENCE:
        clip = coloured_noise(spec.noise, CLIP_SAMPLES, rng)
        if rng.random() < 0.3:  # mains hum under the noise
            t = np.arange(CLIP_SAMPLES) / SAMPLE_RATE
            hz = rng.choice([50.0, 60.0])
            clip = clip + rng.uniform(0.5, 3.0) * np.sin(2 * np.pi * hz * t).astype(np.float32)
    else:
        effects: list[str] = []
        if spec.perturb != "none":
            effects += [spec.perturb, f"{spec.perturb_factor:.3f}"]
        if spec.reverb:
            effects += ["reverb", str(spec.reverb), "50", str(int(rng.integers(20, 60)))]
        voice = f"{spec.accent}+{spec.variant}"
        speech = active_region(synth(spec.label, voice, spec.speed_wpm, spec.pitch, effects, env))
        if len(speech) > CLIP_SAMPLES - 800:
            # Too long for 1 s (slow voice on "backward"): squeeze with tempo, keeping pitch.
            factor = len(speech) / (CLIP_SAMPLES - 1600)
            effects = effects + ["tempo", f"{factor:.3f}"]
            speech = active_region(
                synth(spec.label, voice, spec.speed_wpm, spec.pitch, effects, env)
            )
            speech = speech[:CLIP_SAMPLES]
        speech = speech / (np.abs(speech).max() + 1e-9)
        clip = np.zeros(CLIP_SAMPLES, dtype=np.float32)
        offset = int(rng.integers(0, CLIP_SAMPLES - len(speech) + 1))  # time shift
        clip[offset : offset + len(speech)] = speech
        if spec.snr_db is not None:
            sig_rms = np.sqrt(np.mean(speech**2))
            noise_rms = sig_rms / 10 ** (spec.snr_db / 20)
            clip = clip + noise_rms * coloured_noise(spec.noise, CLIP_SAMPLES, rng)
    return (clip / (np.abs(clip).max() + 1e-9) * 10 ** (spec.gain_db / 20)).astype(np.float32)


def make_specs(labels: list[str], splits: dict[str, list[str]], counts: dict[str, int], seed: int):
    """Plan every clip: voice and augmentation parameters drawn from one seeded RNG."""
    rng = np.random.default_rng(seed + 1)
    specs: list[ClipSpec] = []
    for split, n in counts.items():
        variants = splits[split]
        for label in labels:
            for k in range(n):
                accent = str(rng.choice(ACCENTS))
                variant = str(rng.choice(variants))
                perturb = str(rng.choice(["tempo", "speed", "none"], p=[0.35, 0.35, 0.3]))
                spk = f"{accent}_{variant}" if label != SILENCE else f"noise-{split}"
                specs.append(
                    ClipSpec(
                        path=f"{label}/{spk}_nohash_{k}.wav",
                        label=label,
                        split=split,
                        accent=accent if label != SILENCE else None,
                        variant=variant if label != SILENCE else None,
                        speed_wpm=int(rng.integers(120, 231)),
                        pitch=int(rng.integers(20, 81)),
                        perturb=perturb,
                        perturb_factor=float(rng.uniform(0.85, 1.15)),
                        reverb=int(rng.integers(10, 50)) if rng.random() < 0.3 else 0,
                        snr_db=SNRS_DB[int(rng.integers(len(SNRS_DB)))],
                        noise=str(rng.choice(["white", "pink", "brown"])),
                        gain_db=float(rng.uniform(-25.0, -1.0)),
                        seed=int(rng.integers(2**31)),
                    )
                )
    return specs


def _work(args) -> int:
    """Worker: render and write a batch of specs; returns the number written."""
    out, batch = args
    tmp = tempfile.mkdtemp(prefix="kws-espeak-")
    try:
        env = isolated_env(tmp)
        for spec in batch:
            audio = render(spec, env)
            sf.write(str(Path(out) / spec.path), audio, SAMPLE_RATE, subtype="PCM_16")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return len(batch)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument(
        "--out", default=str(REPO / ".cache/kws-data"), help="output dir (default .cache/kws-data)"
    )
    p.add_argument("--seed", type=int, default=1234, help="master seed (default 1234)")
    p.add_argument(
        "--train-per-word", type=int, default=192, help="training clips per label (default 192)"
    )
    p.add_argument(
        "--val-per-word", type=int, default=16, help="validation clips per label (default 16)"
    )
    p.add_argument(
        "--test-per-word", type=int, default=24, help="test clips per label (default 24)"
    )
    p.add_argument(
        "--val-voices", type=int, default=15, help="variants held out for validation (default 15)"
    )
    p.add_argument(
        "--test-voices", type=int, default=18, help="variants held out for test (default 18)"
    )
    p.add_argument("--jobs", type=int, default=2, help="worker processes (default 2)")
    p.add_argument(
        "--labels", default=None, help="comma-separated subset of labels (default: all 36)"
    )
    a = p.parse_args(argv)

    t0 = time.time()
    labels = load_labels()
    if a.labels:
        wanted = [w.strip() for w in a.labels.split(",") if w.strip()]
        unknown = sorted(set(wanted) - set(labels))
        if unknown:
            p.error(f"unknown labels: {', '.join(unknown)}")
        labels = [w for w in labels if w in wanted]  # keep id order
    variants = list_variants()
    splits = split_variants(variants, a.seed, a.val_voices, a.test_voices)
    counts = {
        "training": a.train_per_word,
        "validation": a.val_per_word,
        "testing": a.test_per_word,
    }
    specs = make_specs(labels, splits, counts, a.seed)

    out = Path(a.out)
    if out.exists():
        shutil.rmtree(out)
    for label in labels:
        (out / label).mkdir(parents=True)
    batches = [specs[i :: a.jobs * 8] for i in range(a.jobs * 8)]
    with ProcessPoolExecutor(max_workers=a.jobs) as pool:
        written = sum(pool.map(_work, [(str(out), b) for b in batches]))

    for split, fname in (("validation", "validation_list.txt"), ("testing", "testing_list.txt")):
        paths = sorted(s.path for s in specs if s.split == split)
        (out / fname).write_text("".join(f"{x}\n" for x in paths))
    manifest = {
        "seed": a.seed,
        "sample_rate": SAMPLE_RATE,
        "labels": labels,
        "accents": ACCENTS,
        "variants": splits,
        "counts_per_label": counts,
        "espeak_ng": espeak_text(["--version"]),
        "sox": subprocess.run(["sox", "--version"], capture_output=True, text=True).stdout.strip(),
        "clips": [asdict(s) for s in specs],
    }
    (out / "manifest.json").write_text(json.dumps(manifest, indent=1))
    size = sum(f.stat().st_size for f in out.rglob("*.wav"))
    print(
        f"wrote {written} clips ({size / 2**20:.1f} MiB) to {out} in {time.time() - t0:.0f} s; "
        f"variants train/val/test = {len(splits['training'])}/{len(splits['validation'])}/{len(splits['testing'])}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
