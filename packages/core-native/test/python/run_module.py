"""Reference for the addon tests: runs an exported model with Python torch.jit.load.

Usage: /usr/bin/python3 run_module.py MODEL.pt DIR [THREADS]
Reads DIR/input.json ({"batch", "length", "lengths", "layers"}) and DIR/audio.f32 (raw
little-endian float32, batch*length samples); writes every output tensor of forward() as
DIR/out/<name>.bin (float32, or int64 for frame_lengths) and DIR/out/manifest.json
({name: {"dtype", "shape"}}).
"""

import json
import os
import sys

import torch


def main() -> None:
    model_path, work = sys.argv[1], sys.argv[2]
    torch.set_num_threads(int(sys.argv[3]) if len(sys.argv) > 3 else 1)
    with open(os.path.join(work, "input.json")) as f:
        spec = json.load(f)
    raw = open(os.path.join(work, "audio.f32"), "rb").read()
    audio = torch.frombuffer(bytearray(raw), dtype=torch.float32)
    audio = audio.reshape(spec["batch"], spec["length"])
    lengths = torch.tensor(spec["lengths"], dtype=torch.int64)
    # A qint8 model re-packs its weights at load for the current quantised engine: pick the
    # one the addon picks (model/quantized.cc), so both sides run the same kernels.
    for engine in ("x86", "fbgemm", "onednn", "qnnpack"):
        if engine in torch.backends.quantized.supported_engines:
            torch.backends.quantized.engine = engine
            break
    module = torch.jit.load(model_path)
    module.eval()
    with torch.inference_mode():
        outputs = module(audio, lengths, spec["layers"])
    out_dir = os.path.join(work, "out")
    os.makedirs(out_dir, exist_ok=True)
    manifest = {}
    for name, tensor in outputs.items():
        tensor = tensor.contiguous()
        if tensor.dtype.is_floating_point:
            tensor = tensor.float()
        with open(os.path.join(out_dir, name + ".bin"), "wb") as f:
            f.write(tensor.numpy().tobytes())
        manifest[name] = {
            "dtype": str(tensor.dtype).replace("torch.", ""),
            "shape": list(tensor.shape),
        }
    with open(os.path.join(out_dir, "manifest.json"), "w") as f:
        json.dump(manifest, f)


if __name__ == "__main__":
    main()
