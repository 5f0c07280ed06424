"""Python side of bench/forward: the same TorchScript file, run with torch.jit.load(...)(...).

Usage: /usr/bin/python3 python_forward.py MODEL.pt AUDIO.f32 BATCH LENGTH THREADS
Calls the module on Python's main thread, as a script or notebook does.
Loads the model, then answers commands on stdin, one per line:
  "run N"  -> runs forward N times, prints one JSON line {"ms": [...]} (per-call wall times)
  "quit"   -> exits
The audio file holds BATCH*LENGTH raw float32 samples (the exact input the addon gets).
"""

import json
import sys
import time

import torch


def main() -> None:
    model_path, audio_path = sys.argv[1], sys.argv[2]
    batch, length, threads = int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
    torch.set_num_threads(threads)
    torch.set_num_interop_threads(threads)
    raw = bytearray(open(audio_path, "rb").read())
    audio = torch.frombuffer(raw, dtype=torch.float32).reshape(batch, length)
    lengths = torch.full((batch,), length, dtype=torch.int64)
    module = torch.jit.load(model_path)
    module.eval()

    def run(n: int) -> list:
        times = []
        for _ in range(n):
            start = time.perf_counter()
            with torch.inference_mode():
                out = module(audio, lengths, [-1])
                pooled = out["pooled"]
            times.append((time.perf_counter() - start) * 1000.0)
        assert pooled.shape[0] == batch
        return times

    ready = {"ready": True, "threads": torch.get_num_threads(), "torch": torch.__version__}
    print(json.dumps(ready), flush=True)
    for line in sys.stdin:
        command = line.split()
        if not command or command[0] == "quit":
            break
        n = int(command[1])
        times = run(n)
        print(json.dumps({"ms": times}), flush=True)


if __name__ == "__main__":
    main()
