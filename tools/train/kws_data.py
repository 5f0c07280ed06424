"""Read a Speech Commands style folder (as written by gen_data.py) into tensors.

Shared by train.py, evaluate.py and the tests. Audio is returned raw (float32 in [-1, 1]);
``normalize`` applies the model's preprocessing (do_normalize=True).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import soundfile as sf
import torch

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
DEFAULT_DATA = REPO / ".cache/kws-data"
CLIP_SAMPLES = 16000


def labels() -> list[str]:
    """The 36 labels in class-id order (Speech Commands v2 order of the reference checkpoint)."""
    id2label = json.loads((HERE / "labels.json").read_text())["id2label"]
    return [id2label[str(i)] for i in range(len(id2label))]


def split_paths(root: Path) -> dict[str, list[str]]:
    """Relative clip paths per split: training = every wav not in the validation/testing lists."""
    val = (root / "validation_list.txt").read_text().split()
    test = (root / "testing_list.txt").read_text().split()
    held = set(val) | set(test)
    train = sorted(
        str(p.relative_to(root))
        for p in root.glob("*/*.wav")
        if str(p.relative_to(root)) not in held
    )
    return {"training": train, "validation": sorted(val), "testing": sorted(test)}


def read_clip(path: Path) -> np.ndarray:
    """One clip as float32 [16000], zero-padded or cut to exactly 1 s."""
    x, sr = sf.read(str(path), dtype="float32", always_2d=False)
    if sr != 16000:
        raise ValueError(f"{path}: sample rate {sr}, expected 16000")
    out = np.zeros(CLIP_SAMPLES, dtype=np.float32)
    out[: min(len(x), CLIP_SAMPLES)] = x[:CLIP_SAMPLES]
    return out


def load_split(root: Path, rel_paths: list[str]) -> tuple[torch.Tensor, torch.Tensor]:
    """(audio [N, 16000] float32, label ids [N] int64) for the given relative paths."""
    index = {name: i for i, name in enumerate(labels())}
    audio = np.stack([read_clip(root / p) for p in rel_paths])
    ids = np.array([index[p.split("/")[0]] for p in rel_paths], dtype=np.int64)
    return torch.from_numpy(audio), torch.from_numpy(ids)


def normalize(audio: torch.Tensor) -> torch.Tensor:
    """Zero-mean, unit-variance per clip (eps 1e-7), as HF's Wav2Vec2FeatureExtractor does."""
    mean = audio.mean(dim=1, keepdim=True)
    var = audio.var(dim=1, unbiased=False, keepdim=True)
    return (audio - mean) / torch.sqrt(var + 1e-7)
