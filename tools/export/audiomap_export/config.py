"""Hugging Face ``Wav2Vec2ConformerConfig`` dictionaries: defaults, validation, frame math.

The project's model takes a plain ``dict`` shaped like an HF ``config.json``. Keys that a
``config.json`` leaves out get the same defaults as HF's ``Wav2Vec2ConformerConfig``
(for example ``feat_extract_norm="group"``, ``hidden_act="gelu"``), so a file written by
``save_pretrained`` and a hand-written minimal one both work.
"""

import copy
from typing import Any, Dict, List, Optional

MODEL_TYPE = "wav2vec2-conformer"

#: Defaults of HF's Wav2Vec2ConformerConfig for every key this package reads.
DEFAULTS: Dict[str, Any] = {
    "model_type": MODEL_TYPE,
    "hidden_size": 768,
    "num_hidden_layers": 12,
    "num_attention_heads": 12,
    "intermediate_size": 3072,
    "hidden_act": "gelu",
    "layer_norm_eps": 1e-5,
    "hidden_dropout": 0.1,
    "activation_dropout": 0.1,
    "attention_dropout": 0.1,
    "feat_proj_dropout": 0.0,
    "conformer_conv_dropout": 0.1,
    "feat_extract_norm": "group",
    "feat_extract_activation": "gelu",
    "conv_dim": [512, 512, 512, 512, 512, 512, 512],
    "conv_stride": [5, 2, 2, 2, 2, 2, 2],
    "conv_kernel": [10, 3, 3, 3, 3, 2, 2],
    "conv_bias": False,
    "num_conv_pos_embeddings": 128,
    "num_conv_pos_embedding_groups": 16,
    "mask_time_prob": 0.05,
    "mask_feature_prob": 0.0,
    "use_weighted_layer_sum": False,
    "classifier_proj_size": 256,
    "add_adapter": False,
    "position_embeddings_type": "relative",
    "rotary_embedding_base": 10000,
    "max_source_positions": 5000,
    "conv_depthwise_kernel_size": 31,
}

POSITION_TYPES = ("relative", "rotary", None)
FEAT_NORMS = ("layer", "group")


class ConfigError(ValueError):
    """A config dict that this package cannot build a model from."""


def resolve_config(config: Dict[str, Any]) -> Dict[str, Any]:
    """Return a deep copy of ``config`` with HF defaults filled in, after validating it.

    Raises ConfigError naming the offending key.
    """
    cfg = copy.deepcopy(DEFAULTS)
    cfg.update(copy.deepcopy(config))
    mt = cfg.get("model_type")
    if mt not in (MODEL_TYPE, "wav2vec2_conformer"):
        raise ConfigError(f"model_type is {mt!r}; only {MODEL_TYPE!r} checkpoints are supported")
    for key in ("conv_dim", "conv_stride", "conv_kernel"):
        cfg[key] = [int(v) for v in cfg[key]]
    n = len(cfg["conv_dim"])
    if len(cfg["conv_stride"]) != n or len(cfg["conv_kernel"]) != n:
        raise ConfigError("conv_dim, conv_stride and conv_kernel must have the same length")
    if cfg["feat_extract_norm"] not in FEAT_NORMS:
        raise ConfigError(
            f"feat_extract_norm must be one of {FEAT_NORMS}, got {cfg['feat_extract_norm']!r}"
        )
    if cfg["position_embeddings_type"] not in POSITION_TYPES:
        raise ConfigError(
            f"position_embeddings_type must be one of {POSITION_TYPES}, got {cfg['position_embeddings_type']!r}"
        )
    h, heads = int(cfg["hidden_size"]), int(cfg["num_attention_heads"])
    if h % heads != 0:
        raise ConfigError(f"hidden_size {h} is not divisible by num_attention_heads {heads}")
    if cfg["position_embeddings_type"] == "relative" and h % 2 != 0:
        raise ConfigError("relative positions need an even hidden_size")
    if cfg["position_embeddings_type"] == "rotary" and (h // heads) % 2 != 0:
        raise ConfigError("rotary positions need an even head size")
    if int(cfg["conv_depthwise_kernel_size"]) % 2 != 1:
        raise ConfigError("conv_depthwise_kernel_size must be odd ('same' padding)")
    if cfg.get("add_adapter"):
        raise ConfigError("add_adapter=True is not supported")
    return cfg


def num_labels(config: Dict[str, Any]) -> int:
    """Number of classes: ``len(id2label)`` when present, else ``num_labels``, else HF's 2."""
    id2label = config.get("id2label")
    if id2label:
        return len(id2label)
    return int(config.get("num_labels", 2))


def labels_in_order(config: Dict[str, Any]) -> Optional[List[str]]:
    """Labels ordered by class index from ``id2label`` (keys may be str or int), or None."""
    id2label = config.get("id2label")
    if not id2label:
        return None
    items = sorted(((int(k), str(v)) for k, v in id2label.items()), key=lambda kv: kv[0])
    if [k for k, _ in items] != list(range(len(items))):
        raise ConfigError("id2label keys must be 0..N-1")
    return [v for _, v in items]


def with_labels(config: Dict[str, Any], labels: List[str]) -> Dict[str, Any]:
    """Copy of ``config`` with HF-style ``id2label`` / ``label2id`` / ``num_labels`` for ``labels``."""
    cfg = copy.deepcopy(config)
    cfg["id2label"] = {str(i): name for i, name in enumerate(labels)}
    cfg["label2id"] = {name: i for i, name in enumerate(labels)}
    cfg["num_labels"] = len(labels)
    return cfg


def frame_count(num_samples: int, conv_kernel: List[int], conv_stride: List[int]) -> int:
    """Frames the feature encoder yields for ``num_samples`` valid samples (never below 0).

    Same formula as HF's ``_get_feat_extract_output_lengths`` (floor((n - k) / s) + 1 per
    layer), clamped at 0 after each layer so clips shorter than the receptive field give 0.
    """
    n = int(num_samples)
    for k, s in zip(conv_kernel, conv_stride):
        n = max((n - k) // s + 1, 0)
    return n


def receptive_field(conv_kernel: List[int], conv_stride: List[int]) -> int:
    """Smallest number of samples that yields one frame (400 for the standard encoder)."""
    rf, jump = 1, 1
    for k, s in zip(conv_kernel, conv_stride):
        rf += (k - 1) * jump
        jump *= s
    return rf
