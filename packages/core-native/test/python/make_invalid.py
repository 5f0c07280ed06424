"""Writes model files that must be rejected by loadModel, for the error tests.

Usage: /usr/bin/python3 make_invalid.py DIR
  wrong-signature.pt  TorchScript with audiomap.json but forward(x: Tensor) -> Tensor
  no-metadata.pt      the right forward signature but no audiomap.json inside
  bad-metadata.pt     the right signature, audiomap.json of another format
  pickle.pt           torch.save of a state dict (not TorchScript)
"""

import json
import os
import sys
from typing import Dict, List

import torch


class WrongSignature(torch.nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * 2


class RightSignature(torch.nn.Module):
    def forward(
        self, audio: torch.Tensor, lengths: torch.Tensor, layers: List[int]
    ) -> Dict[str, torch.Tensor]:
        return {"hidden_states": audio, "frame_lengths": lengths}


def main() -> None:
    out = sys.argv[1]
    meta = {"format": "audiomap-torchscript", "format_version": 1}
    torch.jit.save(
        torch.jit.script(WrongSignature()),
        os.path.join(out, "wrong-signature.pt"),
        _extra_files={"audiomap.json": json.dumps(meta)},
    )
    torch.jit.save(torch.jit.script(RightSignature()), os.path.join(out, "no-metadata.pt"))
    torch.jit.save(
        torch.jit.script(RightSignature()),
        os.path.join(out, "bad-metadata.pt"),
        _extra_files={"audiomap.json": json.dumps({"format": "onnx-ish", "format_version": 1})},
    )
    torch.save({"w": torch.zeros(3)}, os.path.join(out, "pickle.pt"))


if __name__ == "__main__":
    main()
