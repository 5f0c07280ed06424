#!/usr/bin/python3
"""Analytic inference FLOPs of a Wav2Vec2-Conformer config, per part, for a clip length.

Counts matrix and convolution work only (2 FLOPs per multiply-add); LayerNorm, activations,
softmax, BatchNorm and GLU are elementwise and a few percent at most. Formulas (F frames,
H hidden, I FFN size, K depthwise kernel, conv layer i with C_i channels, kernel k_i and
F_i output frames):

* feature encoder: sum_i 2 * F_i * k_i * C_{i-1} * C_i (C_0 = 1); projection 2 * F * C_last * H
* per conformer layer:
  - two half-step FFNs:          2 * (2 * 2 * F * H * I)   = 8 F H I
  - q, k, v, out projections:    4 * 2 * F * H^2           = 8 F H^2
  - relative: linear_pos on 2F-1 positions 2 * (2F-1) * H^2; scores (q+u)k^T 2F^2H,
    (q+v)p^T 2F(2F-1)H, probs*v 2F^2H  (rotary/none: no linear_pos, scores 4 F^2 H)
  - convolution module: pointwise 2H out 4 F H^2, depthwise 2 F H K, pointwise 2 F H^2
* head: projector 2 F H P, classifier 2 P C

Usage: /usr/bin/python3 tools/train/flops.py tools/export/configs/large-rel-pos.json --seconds 1
"""

from __future__ import annotations

import argparse
import json
import sys


def frames(samples: int, kernels: list[int], strides: list[int]) -> list[int]:
    """Output frames after each feature-encoder conv (HF formula)."""
    out, n = [], samples
    for k, s in zip(kernels, strides):
        n = max((n - k) // s + 1, 0)
        out.append(n)
    return out


def flops(cfg: dict, seconds: float = 1.0, sampling_rate: int = 16000) -> dict[str, float]:
    """FLOPs by part for one clip of ``seconds`` seconds."""
    dims, ks, ss = cfg["conv_dim"], cfg["conv_kernel"], cfg["conv_stride"]
    fr = frames(int(seconds * sampling_rate), ks, ss)
    enc = sum(2 * fr[i] * ks[i] * (dims[i - 1] if i else 1) * dims[i] for i in range(len(dims)))
    f, h, inter = fr[-1], int(cfg["hidden_size"]), int(cfg["intermediate_size"])
    k, n_layers = int(cfg.get("conv_depthwise_kernel_size", 31)), int(cfg["num_hidden_layers"])
    proj = 2 * f * dims[-1] * h
    ffn = 8 * f * h * inter
    qkvo = 8 * f * h * h
    if cfg.get("position_embeddings_type", "relative") == "relative":
        attn = 2 * (2 * f - 1) * h * h + 2 * f * f * h + 2 * f * (2 * f - 1) * h + 2 * f * f * h
    else:
        attn = 4 * f * f * h
    conv = 6 * f * h * h + 2 * f * h * k
    per_layer = ffn + qkvo + attn + conv
    head = 0
    if cfg.get("id2label"):
        p = int(cfg.get("classifier_proj_size", 256))
        head = 2 * f * h * p + 2 * p * len(cfg["id2label"])
    total = enc + proj + n_layers * per_layer + head
    return {
        "frames": f,
        "feature_encoder": enc,
        "feature_projection": proj,
        "ffn_per_layer": ffn,
        "attention_proj_per_layer": qkvo,
        "attention_positions_scores_per_layer": attn,
        "conv_module_per_layer": conv,
        "conformer_layers": n_layers * per_layer,
        "head": head,
        "total": total,
        "per_audio_second": total / seconds,
    }


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("config", nargs="+", help="HF-style config.json files")
    p.add_argument("--seconds", type=float, default=1.0, help="clip length (default 1)")
    a = p.parse_args(argv)
    for path in a.config:
        with open(path, encoding="utf-8") as f:
            r = flops(json.load(f), a.seconds)
        print(path)
        for key, v in r.items():
            print(f"  {key:38s} {v / 1e9:10.4f} GFLOP" if key != "frames" else f"  {key:38s} {v}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
