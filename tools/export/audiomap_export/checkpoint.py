"""Hugging Face checkpoint directories: strict loading into the project's model, and saving.

A checkpoint directory holds ``config.json`` and the weights as ``model.safetensors``,
``pytorch_model.bin`` or a sharded ``*.index.json`` of either; ``preprocessor_config.json``
(optional) gives ``do_normalize`` (HF default True) and ``sampling_rate`` (default 16000).

Key checking is strict: every parameter and buffer of the model must come from the file,
and every tensor in the file must be used, except these, which only training or HF's unused
modules need and which are ignored when present and tolerated when absent:

* ``encoder.pos_conv_embed.conv.*`` (never called by the conformer encoder; both weight-norm
  spellings ``weight_g``/``weight_v`` and ``parametrizations.weight.original0/1``),
* ``encoder.embed_positions.inv_freq`` (rotary; recomputed from ``rotary_embedding_base``),
* ``masked_spec_embed`` (SpecAugment vector) and BatchNorm ``num_batches_tracked``
  (absent from some converted checkpoints; neither affects inference).
"""

import json
import os
from typing import Any, Dict, List, Optional, Tuple

import torch
from torch import nn

from .config import labels_in_order, resolve_config
from .model import Wav2Vec2ConformerForSequenceClassification, build_model
from .safetensors_io import load_file, save_file

PREFIX = "wav2vec2_conformer."
HEAD_KEYS = ("projector.weight", "projector.bias", "classifier.weight", "classifier.bias")
_IGNORED_PREFIXES = ("encoder.pos_conv_embed.",)
_IGNORED_KEYS = ("encoder.embed_positions.inv_freq",)
_OPTIONAL_SUFFIXES = ("num_batches_tracked",)
_OPTIONAL_KEYS = ("masked_spec_embed",)


class CheckpointError(ValueError):
    """A checkpoint directory or state_dict that does not match the model."""


def _base_key(key: str) -> str:
    return key[len(PREFIX) :] if key.startswith(PREFIX) else key


def _is_ignored(key: str) -> bool:
    base = _base_key(key)
    return base.startswith(_IGNORED_PREFIXES) or base in _IGNORED_KEYS


def _is_optional(key: str) -> bool:
    return _is_ignored(key) or _base_key(key) in _OPTIONAL_KEYS or key.endswith(_OPTIONAL_SUFFIXES)


def load_state_dict_strict(model: nn.Module, state: Dict[str, torch.Tensor]) -> List[str]:
    """Copy ``state`` into ``model`` (casting dtypes), failing on any key or shape mismatch.

    Returns the keys that were ignored (see module doc). Raises CheckpointError that lists
    every missing key, every unexpected key and every shape mismatch.
    """
    expected = model.state_dict()
    missing = sorted(k for k in expected if k not in state and not _is_optional(k))
    unexpected = sorted(k for k in state if k not in expected and not _is_ignored(k))
    shapes = sorted(
        f"{k}: checkpoint {list(state[k].shape)} vs model {list(expected[k].shape)}"
        for k in state
        if k in expected and tuple(state[k].shape) != tuple(expected[k].shape)
    )
    if missing or unexpected or shapes:
        parts = []
        if missing:
            parts.append(f"missing keys ({len(missing)}): " + ", ".join(missing))
        if unexpected:
            parts.append(f"unexpected keys ({len(unexpected)}): " + ", ".join(unexpected))
        if shapes:
            parts.append(f"shape mismatches ({len(shapes)}): " + "; ".join(shapes))
        raise CheckpointError("state_dict does not match the model: " + " | ".join(parts))
    with torch.no_grad():
        for k, target in expected.items():
            if k in state:
                target.copy_(state[k].to(target.dtype))
    return sorted(k for k in state if k not in expected)


def read_weights(ckpt_dir: str) -> Tuple[Dict[str, torch.Tensor], str]:
    """Load the weights of a checkpoint directory: (state_dict, file name used)."""
    for name in ("model.safetensors", "pytorch_model.bin"):
        path = os.path.join(ckpt_dir, name)
        if os.path.isfile(path):
            return _read_one(path), name
        index = path + ".index.json"
        if os.path.isfile(index):
            with open(index, encoding="utf-8") as f:
                weight_map = json.load(f)["weight_map"]
            state: Dict[str, torch.Tensor] = {}
            for shard in sorted(set(weight_map.values())):
                state.update(_read_one(os.path.join(ckpt_dir, shard)))
            return state, os.path.basename(index)
    raise CheckpointError(
        f"{ckpt_dir}: no weights found (looked for model.safetensors, pytorch_model.bin and their .index.json)"
    )


def _read_one(path: str) -> Dict[str, torch.Tensor]:
    if path.endswith(".safetensors"):
        return load_file(path)[0]
    try:
        obj = torch.load(path, map_location="cpu", weights_only=True)
    except TypeError:  # torch without weights_only
        obj = torch.load(path, map_location="cpu")
    if not isinstance(obj, dict):
        raise CheckpointError(f"{path}: expected a state_dict, got {type(obj).__name__}")
    return obj


def read_json(path: str) -> Dict[str, Any]:
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def read_preprocessor(ckpt_dir: str) -> Dict[str, Any]:
    """``do_normalize`` and ``sampling_rate`` from preprocessor_config.json, with HF defaults."""
    path = os.path.join(ckpt_dir, "preprocessor_config.json")
    pre = read_json(path) if os.path.isfile(path) else {}
    return {
        "do_normalize": bool(pre.get("do_normalize", True)),
        "sampling_rate": int(pre.get("sampling_rate", 16000)),
        "return_attention_mask": bool(pre.get("return_attention_mask", False)),
        "found": os.path.isfile(path),
    }


def load_checkpoint(
    ckpt_dir: str, padding_mode: str = "masked", base_only: bool = False
) -> Tuple[nn.Module, Dict[str, Any]]:
    """Build the model for an HF checkpoint directory and load its weights strictly.

    Returns ``(model in eval mode, info)`` where info has ``config``, ``preprocessor``,
    ``weights_file``, ``has_head`` and ``ignored_keys``. A checkpoint with the
    ``wav2vec2_conformer.`` prefix and a projector/classifier becomes the sequence
    classifier; ``base_only`` keeps just the base model of any prefixed checkpoint (CTC,
    pre-training, classification) and drops the rest.
    """
    cfg_path = os.path.join(ckpt_dir, "config.json")
    if not os.path.isfile(cfg_path):
        raise CheckpointError(f"{ckpt_dir}: config.json not found")
    config = read_json(cfg_path)
    state, weights_file = read_weights(ckpt_dir)
    prefixed = any(k.startswith(PREFIX) for k in state)
    dropped: List[str] = []
    if prefixed and base_only:
        dropped = sorted(k for k in state if not k.startswith(PREFIX))
        state = {k[len(PREFIX) :]: v for k, v in state.items() if k.startswith(PREFIX)}
        with_head = False
    elif prefixed:
        with_head = all(k in state for k in HEAD_KEYS)
        if not with_head:
            others = sorted(k for k in state if not k.startswith(PREFIX))
            raise CheckpointError(
                f"{ckpt_dir}: prefixed checkpoint without a sequence-classification head "
                f"(extra keys: {', '.join(others[:10])}); pass --base-only to export its base model"
            )
    else:
        with_head = False
    model = build_model(config, with_head=with_head, padding_mode=padding_mode, default_init=False)
    ignored = load_state_dict_strict(model, state)
    model.eval()
    info = {
        "config": model.config,
        "preprocessor": read_preprocessor(ckpt_dir),
        "weights_file": weights_file,
        "has_head": with_head,
        "ignored_keys": ignored + dropped,
    }
    return model, info


def hf_config(model: nn.Module) -> Dict[str, Any]:
    """The config.json dict HF's ``from_pretrained`` expects for ``model``."""
    cfg = dict(resolve_config(model.config))  # type: ignore[arg-type]
    head = isinstance(model, Wav2Vec2ConformerForSequenceClassification)
    cfg["model_type"] = "wav2vec2-conformer"
    cfg["architectures"] = [
        "Wav2Vec2ConformerForSequenceClassification" if head else "Wav2Vec2ConformerModel"
    ]
    cfg["num_feat_extract_layers"] = len(cfg["conv_dim"])
    cfg["torch_dtype"] = "float32"
    labels = labels_in_order(model.config) if head else None  # type: ignore[arg-type]
    if labels is not None:
        cfg["id2label"] = {str(i): name for i, name in enumerate(labels)}
        cfg["label2id"] = {name: i for i, name in enumerate(labels)}
    cfg.pop("num_labels", None)  # HF derives it from id2label
    return cfg


def save_checkpoint(
    model: nn.Module,
    out_dir: str,
    do_normalize: bool = True,
    sampling_rate: int = 16000,
    dtype: Optional[torch.dtype] = None,
) -> List[str]:
    """Write ``model`` as an HF ``save_pretrained``-style directory; returns the files written.

    Files: ``config.json`` (with ``architectures``, ``id2label``/``label2id`` for a
    classifier), ``model.safetensors`` (metadata ``format=pt``; weights cast to ``dtype``
    when given, default float32) and ``preprocessor_config.json`` for
    ``Wav2Vec2FeatureExtractor``. The unused ``encoder.pos_conv_embed`` weights are not
    written (HF re-initialises them with a warning; they never affect outputs).
    """
    os.makedirs(out_dir, exist_ok=True)
    state = {}
    for k, v in model.state_dict().items():
        v = v.detach().cpu()
        if dtype is not None and v.is_floating_point():
            v = v.to(dtype)
        state[k] = v
    save_file(state, os.path.join(out_dir, "model.safetensors"), metadata={"format": "pt"})
    cfg = hf_config(model)
    if dtype is not None:
        cfg["torch_dtype"] = str(dtype).replace("torch.", "")
    _write_json(os.path.join(out_dir, "config.json"), cfg)
    pre = {
        "do_normalize": bool(do_normalize),
        "feature_extractor_type": "Wav2Vec2FeatureExtractor",
        "feature_size": 1,
        "padding_side": "right",
        "padding_value": 0.0,
        "return_attention_mask": True,
        "sampling_rate": int(sampling_rate),
    }
    _write_json(os.path.join(out_dir, "preprocessor_config.json"), pre)
    return ["config.json", "model.safetensors", "preprocessor_config.json"]


def _write_json(path: str, obj: Any) -> None:
    with open(path, "w", encoding="utf-8") as f:
        json.dump(obj, f, indent=2, sort_keys=True)
        f.write("\n")
