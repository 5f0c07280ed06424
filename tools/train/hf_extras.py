"""Adapter: make a checkpoint written by tools/export load into HF with no missing keys.

``audiomap_export.checkpoint.save_checkpoint`` leaves out ``encoder.pos_conv_embed.conv.*``
because the conformer encoder never calls that module. HF's
``Wav2Vec2ConformerForSequenceClassification`` still builds it, so ``from_pretrained``
would report those three tensors as missing and initialise them randomly. This adds them
(seeded random values in the pre-torch-2.1 weight-norm spelling ``weight_g``/``weight_v``,
which current transformers versions rename on load) so the key sets match exactly. They
cannot change any output; tools/export ignores them when loading.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "export"))

from audiomap_export.safetensors_io import load_file, save_file  # noqa: E402

PREFIX = "wav2vec2_conformer.encoder.pos_conv_embed.conv."


def pos_conv_tensors(config: dict, dtype: torch.dtype, seed: int = 0) -> dict[str, torch.Tensor]:
    """HF's unused positional conv (weight-normed grouped Conv1d over time) as seeded tensors."""
    h = int(config["hidden_size"])
    k = int(config["num_conv_pos_embeddings"])
    groups = int(config["num_conv_pos_embedding_groups"])
    g = torch.Generator().manual_seed(seed)
    v = torch.randn(h, h // groups, k, generator=g) * 0.02
    return {
        PREFIX + "bias": torch.zeros(h, dtype=dtype),
        # weight_norm(dim=2): g holds the norm of v over every dim except 2.
        PREFIX + "weight_g": v.norm(dim=(0, 1), keepdim=True).to(dtype),
        PREFIX + "weight_v": v.to(dtype),
    }


def add_pos_conv(ckpt_dir: str, config: dict) -> None:
    """Rewrite ``ckpt_dir/model.safetensors`` with the pos_conv_embed tensors added."""
    path = os.path.join(ckpt_dir, "model.safetensors")
    state, meta = load_file(path)
    dtype = next(t.dtype for t in state.values() if t.is_floating_point())
    state.update(pos_conv_tensors(config, dtype))
    save_file(state, path, metadata=meta or {"format": "pt"})
