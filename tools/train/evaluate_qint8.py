#!/usr/bin/python3
"""Top-1 of the shipped keyword model in float32 and in qint8 on the same held-out clips.

The qint8 model is made the way ``tools/export --dtype qint8`` makes it (dynamic int8
quantisation of the encoder's Linear layers and pointwise convolutions, on the best quantised
engine), from the model directory's checkpoint, and scripted; the float32 model is the
shipped ``model.pt``. Both run on:

* the test split of a gen_data.py data set (``--data``; voice variants never seen in
  training), when given;
* the fixed clean clips of tests/test_kws_default_model.py (4 held-out voices x 35 words,
  spoken now with espeak-ng).

Prints one JSON object: top-1 (35 words, argmax over 36 classes) per model and set, the
difference in points, how many clips changed prediction, and the cosine of the pooled
embeddings (last layer) between the two models.

Usage: /usr/bin/python3 tools/train/evaluate_qint8.py [--data .cache/kws-data]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import torch

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parents[1] / "tools/export"))

from evaluate import N_WORDS, fixed_clips_accuracy, run_model  # noqa: E402
from kws_data import REPO, load_split, split_paths  # noqa: E402

from audiomap_export.checkpoint import load_checkpoint  # noqa: E402
from audiomap_export.export import prepare_model  # noqa: E402


def qint8_model(model_dir: Path) -> torch.jit.ScriptModule:
    """The checkpoint in ``model_dir`` quantised and scripted as ``export --dtype qint8``."""
    model, _ = load_checkpoint(str(model_dir))
    prepare_model(model, "masked", "qint8")
    return torch.jit.script(model)


def compare(models: dict, audio: torch.Tensor, ids: torch.Tensor | None) -> dict:
    """Top-1 per model on ``audio`` (word clips only when ``ids`` marks silence) and agreement."""
    out = {name: run_model(m, audio, [-1]) for name, m in models.items()}
    (lf, pf), (lq, pq) = out["float32"], out["qint8"]
    predf, predq = lf.argmax(dim=1), lq.argmax(dim=1)
    words = ids < N_WORDS if ids is not None else torch.ones(len(audio), dtype=torch.bool)
    cos = torch.nn.functional.cosine_similarity(pf[-1], pq[-1], dim=1)
    r = {"clips": int(words.sum())}
    if ids is not None:
        r["top1_float32"] = float((predf[words] == ids[words]).float().mean())
        r["top1_qint8"] = float((predq[words] == ids[words]).float().mean())
        r["difference_points"] = 100 * (r["top1_qint8"] - r["top1_float32"])
    r["predictions_changed"] = int((predf != predq).sum())
    r["pooled_cosine_min"] = float(cos.min())
    r["pooled_cosine_mean"] = float(cos.mean())
    return r


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--model", default=str(REPO / "packages/model-kws/model"))
    p.add_argument("--data", help="gen_data.py output whose test split to use (optional)")
    p.add_argument("--threads", type=int, default=1)
    a = p.parse_args(argv)
    torch.set_num_threads(a.threads)
    model_dir = Path(a.model)
    models = {
        "float32": torch.jit.load(str(model_dir / "model.pt"), map_location="cpu").eval(),
        "qint8": qint8_model(model_dir),
    }
    result = {"model": str(model_dir), "engine": torch.backends.quantized.engine}
    if a.data:
        data = Path(a.data)
        audio, ids = load_split(data, split_paths(data)["testing"])
        result["test_split"] = {"data": str(data), **compare(models, audio, ids)}
    fixed = {f"top1_{name}": fixed_clips_accuracy(m) for name, m in models.items()}
    fixed["difference_points"] = 100 * (fixed["top1_qint8"] - fixed["top1_float32"])
    result["fixed_clips"] = fixed
    print(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
