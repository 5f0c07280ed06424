"""Script a model with ``torch.jit.script`` and save it with its ``audiomap.json`` metadata."""

import json
import os
import zipfile
from typing import Any, Dict, Optional

import torch
from torch import nn

from .config import labels_in_order
from .model import Wav2Vec2ConformerForSequenceClassification, get_padding_mode, set_padding_mode
from .quantize import QUANTIZED_DTYPES, quantize_dynamic_int8

METADATA_FILE = "audiomap.json"
FORMAT = "audiomap-torchscript"
FORMAT_VERSION = 1

DTYPES = {"float32": torch.float32, "float16": torch.float16, "bfloat16": torch.bfloat16}
# Every ``--dtype``: the casts above, and dynamic int8 quantisation for the CPU (quantize.py).
EXPORT_DTYPES = sorted(DTYPES) + list(QUANTIZED_DTYPES)


def build_metadata(
    model: nn.Module, do_normalize: bool, sampling_rate: int, source: str
) -> Dict[str, Any]:
    """The ``audiomap.json`` object for ``model`` (see README: Metadata)."""
    cfg: Dict[str, Any] = dict(model.config)  # type: ignore[arg-type]
    has_head = isinstance(model, Wav2Vec2ConformerForSequenceClassification)
    labels = labels_in_order(cfg) if has_head else None
    pos = cfg["position_embeddings_type"]
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "architecture": "wav2vec2-conformer",
        "sampling_rate": int(sampling_rate),
        "do_normalize": bool(do_normalize),
        "hidden_size": int(cfg["hidden_size"]),
        "num_hidden_layers": int(cfg["num_hidden_layers"]),
        "num_attention_heads": int(cfg["num_attention_heads"]),
        "position_embeddings_type": pos,
        "feat_extract_norm": cfg["feat_extract_norm"],
        "num_hidden_states": int(cfg["num_hidden_layers"]) + 1,
        "conv_kernel": [int(k) for k in cfg["conv_kernel"]],
        "conv_stride": [int(s) for s in cfg["conv_stride"]],
        "id2label": {str(i): name for i, name in enumerate(labels)} if labels is not None else None,
        "labels": labels,
        "has_head": has_head,
        "num_labels": len(labels) if labels is not None else None,
        "padding_mode": get_padding_mode(model),
        "source": source,
        "torch_version": torch.__version__,
        "config": cfg,
    }


def prepare_model(
    model: nn.Module, padding_mode: str = "masked", dtype: str = "float32"
) -> Optional[Dict[str, Any]]:
    """eval() + padding mode + dtype cast or qint8 quantisation, in place.

    Returns the ``quantization`` metadata entry for ``qint8`` (which replaces the encoder's
    Linear layers, see quantize.py), else None.
    """
    if dtype not in EXPORT_DTYPES:
        raise ValueError(f"dtype must be one of {EXPORT_DTYPES}, got {dtype!r}")
    set_padding_mode(model, padding_mode)
    model.eval()
    if dtype in QUANTIZED_DTYPES:
        return quantize_dynamic_int8(model.to(torch.float32))
    model.to(DTYPES[dtype])
    return None


def script_model(
    model: nn.Module, padding_mode: str = "masked", dtype: str = "float32"
) -> torch.jit.ScriptModule:
    """``prepare_model``, then ``torch.jit.script``. Mutates ``model``."""
    prepare_model(model, padding_mode, dtype)
    return torch.jit.script(model)


def export_model(
    model: nn.Module,
    out_path: str,
    padding_mode: str = "masked",
    dtype: str = "float32",
    do_normalize: bool = True,
    sampling_rate: int = 16000,
    source: str = "",
    metadata_extra: Optional[Dict[str, Any]] = None,
) -> Dict[str, Any]:
    """Script ``model`` and write it to ``out_path`` with ``audiomap.json``; returns the metadata.

    ``model`` is a Wav2Vec2ConformerModel or Wav2Vec2ConformerForSequenceClassification (it is
    switched to eval mode, ``padding_mode`` and ``dtype`` in place; ``qint8`` quantises it,
    see quantize.py, and adds a ``quantization`` entry to the metadata). The file is written to
    a temporary name first and renamed, so a reader never sees a half-written file.
    """
    quantization = prepare_model(model, padding_mode, dtype)
    scripted = torch.jit.script(model)
    meta = build_metadata(model, do_normalize, sampling_rate, source)
    meta["dtype"] = dtype
    if quantization is not None:
        meta["quantization"] = quantization
    if metadata_extra:
        meta.update(metadata_extra)
    out_dir = os.path.dirname(os.path.abspath(out_path))
    os.makedirs(out_dir, exist_ok=True)
    tmp = out_path + ".tmp"
    torch.jit.save(scripted, tmp, _extra_files={METADATA_FILE: json.dumps(meta, sort_keys=True)})
    os.replace(tmp, out_path)
    return meta


def read_metadata(path: str) -> Dict[str, Any]:
    """``audiomap.json`` of an exported file, read from the archive without loading the model.

    A TorchScript file is a zip archive whose single top folder (its name varies) holds
    ``extra/<name>`` for each extra file. Reading the member directly is fast on a 2 GB model
    and does not depend on ``torch.jit.load``, which torch 2.x deprecates.
    """
    try:
        with zipfile.ZipFile(path) as archive:
            members = [
                n for n in archive.namelist() if n.split("/")[1:] == ["extra", METADATA_FILE]
            ]
            if not members:
                raise ValueError(f"{path}: no {METADATA_FILE} inside; not an audiomap export")
            raw = archive.read(members[0])
    except zipfile.BadZipFile as err:
        raise ValueError(f"{path}: not a TorchScript file ({err})") from err
    return json.loads(raw)
