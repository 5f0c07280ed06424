"""Measure the matmul/convolution FLOPs of one forward pass by intercepting ATen ops.

An independent check of the analytic formula in packages/embeddings/src/bench/flops.ts: a
``TorchDispatchMode`` sees every ATen op the model actually runs (eager or TorchScript) and
counts multiply-accumulates from the operand shapes of convolution, mm, addmm, bmm, baddbmm,
mv and dot. Everything else (norms, activations, softmax) is ignored, as in the formula.
2 FLOPs per MAC.

    /usr/bin/python3 tools/bench/count_flops.py --config tools/export/configs/tiny.json \
        --batch 2 --samples 16000 [--head] [--torchscript model.pt]

Prints JSON: {"flops": ..., "macs_by_op": {...}, "frames": ...}.
"""

import argparse
import json
import math
import os
import sys
from typing import Dict

import torch
from torch.utils._python_dispatch import TorchDispatchMode

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "export"))


def _macs(name: str, args, out) -> int:
    if name == "convolution":
        weight = args[1]
        return out.numel() * weight.shape[1] * math.prod(weight.shape[2:])
    if name in ("mm", "addmm"):
        a, b = (args[0], args[1]) if name == "mm" else (args[1], args[2])
        return a.shape[0] * a.shape[1] * b.shape[1]
    if name in ("bmm", "baddbmm"):
        a, b = (args[0], args[1]) if name == "bmm" else (args[1], args[2])
        return a.shape[0] * a.shape[1] * a.shape[2] * b.shape[2]
    if name == "mv":
        return args[0].shape[0] * args[0].shape[1]
    if name == "dot":
        return args[0].shape[0]
    return 0


COUNTED = {"convolution", "mm", "addmm", "bmm", "baddbmm", "mv", "dot"}


class MacCounter(TorchDispatchMode):
    """Accumulates MACs per ATen op name while active."""

    def __init__(self):
        super().__init__()
        self.macs: Dict[str, int] = {}

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        out = func(*args, **(kwargs or {}))
        name = func.__name__.split(".")[0]
        if name in COUNTED:
            self.macs[name] = self.macs.get(name, 0) + _macs(name, args, out)
        return out


def count(model, batch: int, samples: int) -> Dict[str, object]:
    """MACs of model(audio[batch, samples], lengths, [-1]) by op, and the total FLOPs."""
    audio = torch.randn(batch, samples, generator=torch.Generator().manual_seed(0))
    lengths = torch.full((batch,), samples, dtype=torch.long)
    counter = MacCounter()
    with torch.no_grad(), counter:
        out = model(audio, lengths, [-1])
    frames = int(out["frame_lengths"][0])
    return {"flops": 2 * sum(counter.macs.values()), "macs_by_op": counter.macs, "frames": frames}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--config", help="HF config JSON (eager model from tools/export)")
    ap.add_argument("--torchscript", help="count a TorchScript file instead of the eager model")
    ap.add_argument("--head", action="store_true", help="build the classification head")
    ap.add_argument("--batch", type=int, default=1)
    ap.add_argument("--samples", type=int, default=16000)
    a = ap.parse_args()
    if a.torchscript:
        model = torch.jit.load(a.torchscript, map_location="cpu")
    else:
        from audiomap_export.model import build_model

        with open(a.config) as f:
            config = json.load(f)
        model = build_model(config, with_head=a.head)
    model.eval()
    print(json.dumps(count(model, a.batch, a.samples)))


if __name__ == "__main__":
    main()
