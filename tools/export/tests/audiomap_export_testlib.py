"""Shared helpers for the tools/export tests (run: bash scripts/test-python.sh).

A uniquely named module rather than conftest.py, so `import` never picks up another
test directory's conftest."""

import copy
import json
import os
import sys

import pytest
import torch

EXPORT_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if EXPORT_ROOT not in sys.path:
    sys.path.insert(0, EXPORT_ROOT)

from audiomap_export.init import random_init  # noqa: E402
from audiomap_export.model import build_model  # noqa: E402

CONFIG_DIR = os.path.join(EXPORT_ROOT, "configs")

torch.set_num_threads(1)


def tiny_config(**overrides):
    """configs/tiny.json with overrides (e.g. position_embeddings_type='rotary')."""
    with open(os.path.join(CONFIG_DIR, "tiny.json"), encoding="utf-8") as f:
        cfg = json.load(f)
    cfg.update(copy.deepcopy(overrides))
    return cfg


LABELS4 = {"0": "yes", "1": "no", "2": "up", "3": "down"}


def make_model(seed=0, with_head=False, padding_mode="masked", **overrides):
    """Seeded random tiny model in eval mode."""
    cfg = tiny_config(**overrides)
    if with_head and "id2label" not in cfg:
        cfg["id2label"] = dict(LABELS4)
    model = build_model(cfg, with_head=with_head, padding_mode=padding_mode)
    return random_init(model, seed).eval()


def audio_batch(lengths, seed=0, pad_value=0.0):
    """[B, max(lengths)] random audio, each row zero-padded (or pad_value) past its length."""
    g = torch.Generator().manual_seed(seed)
    t = max(lengths)
    audio = torch.randn(len(lengths), t, generator=g)
    for i, n in enumerate(lengths):
        audio[i, n:] = pad_value
    return audio, torch.tensor(lengths, dtype=torch.long)


# The model variants every structural test runs over: (id, overrides, with_head).
# One variant per line, as a table (kept so by the formatter switch below).
# fmt: off
VARIANTS = [
    ("relative-layer-head", {"position_embeddings_type": "relative", "feat_extract_norm": "layer"}, True),
    ("relative-layer-base", {"position_embeddings_type": "relative", "feat_extract_norm": "layer"}, False),
    ("rotary-layer-base", {"position_embeddings_type": "rotary", "feat_extract_norm": "layer"}, False),
    ("rotary-group-head", {"position_embeddings_type": "rotary", "feat_extract_norm": "group"}, True),
    ("relative-group-base", {"position_embeddings_type": "relative", "feat_extract_norm": "group"}, False),
    ("none-layer-base", {"position_embeddings_type": None, "feat_extract_norm": "layer"}, False),
    (
        "relative-weighted-head",
        {"position_embeddings_type": "relative", "use_weighted_layer_sum": True, "hidden_act": "gelu"},
        True,
    ),
]
# fmt: on


def variant_params():
    return [pytest.param(o, h, id=i) for i, o, h in VARIANTS]
