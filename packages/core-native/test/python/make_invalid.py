"""Writes model files that must be rejected by loadModel, for the error tests.

Usage: /usr/bin/python3 make_invalid.py DIR [TINY.pt]
  wrong-signature.pt  TorchScript with audiomap.json but forward(x: Tensor) -> Tensor
  no-metadata.pt      the right forward signature but no audiomap.json inside
  bad-metadata.pt     the right signature, audiomap.json of another format
  pickle.pt           torch.save of a state dict (not TorchScript)
With TINY.pt (the tiny fixture), copies of it whose metadata or weights lie:
  nan-weights.pt      every weight NaN: the model's outputs are NaN
  wrong-hidden.pt     hidden_size 64 where the model's is 32
  wrong-states.pt     num_hidden_states 5 (num_hidden_layers 4) where the model has 3
  wrong-labels.pt     5 labels where the head has 4
  rate-0.pt           sampling_rate 0
  rate-negative.pt    sampling_rate -16000
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
    if len(sys.argv) > 2:
        lying_copies(sys.argv[2], out)


def lying_copies(tiny: str, out: str) -> None:
    extra = {"audiomap.json": ""}
    model = torch.jit.load(tiny, _extra_files=extra)
    meta = json.loads(extra["audiomap.json"])

    def save(name: str, module: torch.jit.ScriptModule, **changes: object) -> None:
        torch.jit.save(
            module,
            os.path.join(out, name),
            _extra_files={"audiomap.json": json.dumps({**meta, **changes})},
        )

    save("wrong-hidden.pt", model, hidden_size=64)
    save("wrong-states.pt", model, num_hidden_layers=4, num_hidden_states=5)
    labels = ["yes", "no", "up", "down", "left"]
    save(
        "wrong-labels.pt",
        model,
        labels=labels,
        id2label={str(i): label for i, label in enumerate(labels)},
    )
    save("rate-0.pt", model, sampling_rate=0)
    save("rate-negative.pt", model, sampling_rate=-16000)
    with torch.no_grad():
        for p in model.parameters():
            p.fill_(float("nan"))
    save("nan-weights.pt", model)


if __name__ == "__main__":
    main()
