"""CPU seconds per forward call of a float32 export and its qint8 export, interleaved.

Process CPU time (``time.process_time``) is far less sensitive than wall time to other work
sharing the machine, which is why docs/benchmarks.md ("CPU int8") quotes it. Both files run in
one process with ``torch.jit.load`` on the best quantised engine (the kernels the addon runs).

Usage: /usr/bin/python3 tools/bench/qint8_cpu_time.py FLOAT32.pt QINT8.pt [--threads 1]
"""

import argparse
import json
import os
import sys
import time

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "export"))

from audiomap_export.quantize import select_best_engine  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("float32")
    ap.add_argument("qint8")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--batches", default="8,1")
    ap.add_argument("--reps", type=int, default=2)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    engine = select_best_engine()
    models = {"float32": torch.jit.load(a.float32).eval(), "qint8": torch.jit.load(a.qint8).eval()}
    g = torch.Generator().manual_seed(0)
    out = {"engine": engine, "threads": a.threads, "cells": {}}
    for batch in (int(b) for b in a.batches.split(",")):
        x = torch.randn(batch, 16000, generator=g)
        lengths = torch.full((batch,), 16000, dtype=torch.long)
        with torch.inference_mode():
            for m in models.values():  # JIT profiling runs
                m(x, lengths, [-1])
                m(x, lengths, [-1])
            for _ in range(a.reps):
                for name, m in models.items():
                    cpu, wall = time.process_time(), time.perf_counter()
                    m(x, lengths, [-1])
                    cell = out["cells"].setdefault(f"batch{batch}-{name}", [])
                    cell.append(
                        {
                            "cpu_s": round(time.process_time() - cpu, 3),
                            "wall_s": round(time.perf_counter() - wall, 3),
                        }
                    )
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
