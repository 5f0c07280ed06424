"""Reference embeddings/logits from the exported TorchScript file with Python torch.

usage: ref_model.py MODEL FILE... -> JSON {file: {"pooled": [...], "logits": [...] | null}}
Files must already be at the model's rate (read with soundfile, no resampling); normalisation
follows the model's do_normalize (zero mean, unit variance, eps 1e-7), as the HF extractor does.
"""

import json
import sys

import numpy as np
import soundfile as sf
import torch

model_path, files = sys.argv[1], sys.argv[2:]
extra = {"audiomap.json": ""}
model = torch.jit.load(model_path, _extra_files=extra)
info = json.loads(extra["audiomap.json"])
out = {}
with torch.no_grad():
    for f in files:
        x, sr = sf.read(f, dtype="float32", always_2d=True)
        assert sr == info["sampling_rate"], (f, sr)
        x = x.mean(axis=1)
        if info["do_normalize"]:
            x = (x - x.mean()) / np.sqrt(x.var() + 1e-7)
        t = torch.from_numpy(x.astype(np.float32))[None]
        r = model(t, torch.tensor([t.shape[1]]), [-1])
        out[f] = {
            "pooled": r["pooled"][0].tolist(),
            "logits": r["logits"][0].tolist() if "logits" in r else None,
        }
print(json.dumps(out))
