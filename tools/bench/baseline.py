"""The Python way of doing audiomap's model work, timed on the same machine and device.

Used by ``audiomap bench --baseline python``; runs standalone too::

    /usr/bin/python3 tools/bench/baseline.py --torchscript fixtures/tiny.pt --device cpu \
        --clip-seconds 1 --batch 8 --dtype float16

Modes (each does forward passes over synthetic clips of ``--clip-seconds`` and copies the
pooled embedding back to the host, as a notebook would):

* ``eager-b1-fp32``: the project's eager PyTorch model (tools/export), batch 1, float32;
  the way a notebook loops over files.
* ``eager-batched``: the same eager model, ``--batch`` clips per call, in ``--dtype``
  (float16 by default). Where the device cannot run that dtype (float16 matmuls on a CPU
  with torch 1.13) it falls back to bfloat16, then float32, and says so in ``note``.
* ``torchscript``: the very TorchScript file audiomap runs, via ``torch.jit.load``, batched,
  in the same dtype as ``eager-batched``.
* ``hf-eager-fp32`` / ``hf-eager-batched``: Hugging Face
  ``Wav2Vec2ConformerForSequenceClassification`` built from the same config (random
  weights), batched, float32 and ``--dtype``; skipped with a reason when ``transformers``
  is not importable.

``--dtype qint8`` (CPU; ``--torchscript`` is then the float32 file): the batched modes run
int8 the Python way, with ``torch.quantization.quantize_dynamic`` on the best quantised engine:
``eager-batched`` quantises the project's eager model as ``tools/export --dtype qint8`` does,
``torchscript`` scripts that model in this process, ``hf-eager-batched`` quantises every
``nn.Linear`` of HF's model.

Prints one JSON object on stdout.
"""

import argparse
import contextlib
import json
import os
import platform
import sys
import time
from typing import Any, Callable, Dict, List, Optional

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "export"))

DTYPES = {"float32": torch.float32, "float16": torch.float16, "bfloat16": torch.bfloat16}
QINT8 = "qint8"
ALL_MODES = ["eager-b1-fp32", "eager-batched", "torchscript", "hf-eager-fp32", "hf-eager-batched"]


# ----------------------------------------------------------------------------- measurement


class Memory:
    """Peak memory of a timed region: CUDA allocator peak, or the process's peak RSS delta.

    On Linux, writing "5" to /proc/self/clear_refs resets VmHWM (peak RSS), so the CPU figure
    is the exact peak of the region, not a sampled one.
    """

    def __init__(self, device: torch.device):
        self.device = device

    def start(self) -> None:
        if self.device.type == "cuda":
            torch.cuda.synchronize(self.device)
            torch.cuda.reset_peak_memory_stats(self.device)
            self.base = torch.cuda.memory_allocated(self.device)
        else:
            self.base = _proc_kib("VmRSS")
            try:
                with open("/proc/self/clear_refs", "w") as f:
                    f.write("5")
            except OSError:
                pass

    def stop(self) -> Dict[str, Any]:
        if self.device.type == "cuda":
            peak = torch.cuda.max_memory_allocated(self.device)
            return {
                "kind": "cuda-peak-allocated",
                "peak_bytes": peak,
                "delta_bytes": peak - self.base,
            }
        hwm = _proc_kib("VmHWM")
        if hwm is None or self.base is None:
            return {"kind": "unavailable", "peak_bytes": None, "delta_bytes": None}
        return {
            "kind": "host-peak-rss-delta",
            "peak_bytes": hwm * 1024,
            "delta_bytes": (hwm - self.base) * 1024,
        }


def _proc_kib(key: str) -> Optional[int]:
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith(key + ":"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def _quantile(sorted_ms: List[float], q: float) -> float:
    pos = (len(sorted_ms) - 1) * q
    lo, hi = int(pos), min(int(pos) + 1, len(sorted_ms) - 1)
    return sorted_ms[lo] + (sorted_ms[hi] - sorted_ms[lo]) * (pos - lo)


def time_calls(
    step: Callable[[], None], device: torch.device, a: argparse.Namespace, clips: int
) -> Dict[str, Any]:
    """Warm up, then time ``step`` (one batch) until both --iters and --min-time are reached."""
    for _ in range(a.warmup):
        step()
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    mem = Memory(device)
    mem.start()
    lat: List[float] = []
    t0 = time.perf_counter()
    while len(lat) < a.max_iters and (len(lat) < a.iters or time.perf_counter() - t0 < a.min_time):
        s = time.perf_counter()
        step()
        if device.type == "cuda":
            torch.cuda.synchronize(device)
        lat.append((time.perf_counter() - s) * 1e3)
    wall = time.perf_counter() - t0
    ms = sorted(lat)
    n_clips = clips * len(lat)
    return {
        "iterations": len(lat),
        "clips": n_clips,
        "audio_seconds": n_clips * a.clip_seconds,
        "wall_s": wall,
        "audio_seconds_per_s": n_clips * a.clip_seconds / wall,
        "clips_per_s": n_clips / wall,
        "latency_ms": {
            "p50": _quantile(ms, 0.5),
            "p95": _quantile(ms, 0.95),
            "p99": _quantile(ms, 0.99),
        },
        "memory": mem.stop(),
    }


# ----------------------------------------------------------------------------- models


def eager_model(path: str, meta: Dict[str, Any]) -> torch.nn.Module:
    """The export tool's eager model with the TorchScript file's weights."""
    from audiomap_export.model import build_model

    model = build_model(
        meta["config"],
        with_head=bool(meta.get("has_head")),
        padding_mode=meta.get("padding_mode", "masked"),
    )
    state = torch.jit.load(path, map_location="cpu").state_dict()
    result = model.load_state_dict(state, strict=False)
    # Timing does not depend on the weights, but say when they are not the file's.
    model.weights_note = (
        None
        if not result.missing_keys
        else f"{len(result.missing_keys)} parameters not in the TorchScript file kept random init"
    )
    return model.eval()


def pick_dtype(
    requested: str, device: torch.device, probe: Callable[[torch.dtype], None]
) -> Dict[str, Any]:
    """The first of requested → bfloat16 → float32 that ``probe`` runs without error."""
    order = [requested] + [d for d in ("bfloat16", "float32") if d != requested]
    reasons = []
    for name in order:
        try:
            probe(DTYPES[name])
        except (RuntimeError, NotImplementedError) as e:
            reasons.append(f"{name} unsupported on {device.type}: {_last_line(e)}")
            continue
        return {"dtype": name, "note": "; ".join(reasons) or None}
    raise RuntimeError("no dtype runs: " + "; ".join(reasons))


def _last_line(e: BaseException) -> str:
    """The root cause of a (TorchScript) error: its last non-empty line, shortened."""
    lines = [ln.strip() for ln in str(e).splitlines() if ln.strip()]
    return (lines[-1] if lines else type(e).__name__)[:160]


def quantized_copy(model: torch.nn.Module, scripted: bool) -> torch.nn.Module:
    """The eager model quantised as ``tools/export --dtype qint8`` does (optionally scripted)."""
    import copy

    from audiomap_export.quantize import quantize_dynamic_int8

    q = copy.deepcopy(model).float()
    quantize_dynamic_int8(q)
    return torch.jit.script(q) if scripted else q


def run_audiomap_style(model, device, dtype_name, batch, a, audio_fn) -> Callable[[], None]:
    if dtype_name != QINT8:
        model.to(device=device, dtype=DTYPES[dtype_name])
    audio = audio_fn(batch).to(device)
    lengths = torch.full((batch,), audio.shape[1], dtype=torch.long, device=device)

    def step() -> None:
        with torch.inference_mode():
            out = model(audio, lengths, [])
            out["pooled"].float().cpu()

    return step


def hf_conformer_config(config: Dict[str, Any]) -> Any:
    """HF's ``Wav2Vec2ConformerConfig`` from the exported file's config, for the transformers
    version installed (4.x or 5.x): the keys that describe a saved file rather than the model
    (``torch_dtype``, renamed ``dtype`` in transformers 5, and ``architectures``) are left out,
    and where this version's config class takes no ``**kwargs`` (it would reject a key it does
    not know), so is every key it does not name."""
    import inspect

    import transformers

    cls = transformers.Wav2Vec2ConformerConfig
    cfg = {k: v for k, v in config.items() if k not in ("torch_dtype", "dtype", "architectures")}
    params = inspect.signature(cls.__init__).parameters
    if not any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values()):
        cfg = {k: v for k, v in cfg.items() if k in params}
    return cls(**cfg)


def run_hf(config: Dict[str, Any], device, dtype_name, batch, audio_fn) -> Callable[[], None]:
    import transformers

    cfg = hf_conformer_config(config)
    # Built on the device where torch can (a torch.device is a context manager from torch 2.0):
    # random init of the large model's 600 M parameters takes seconds on a CPU.
    where = device if hasattr(device, "__enter__") else contextlib.nullcontext()
    with where:
        model = transformers.Wav2Vec2ConformerForSequenceClassification(cfg).eval()
    if dtype_name == QINT8:
        from audiomap_export.quantize import select_best_engine

        select_best_engine()
        model = torch.ao.quantization.quantize_dynamic(model, {torch.nn.Linear}, dtype=torch.qint8)
        audio = audio_fn(batch)
    else:
        model = model.to(device=device, dtype=DTYPES[dtype_name])
        audio = audio_fn(batch).to(device=device, dtype=DTYPES[dtype_name])

    def step() -> None:
        with torch.inference_mode():
            model(input_values=audio).logits.float().cpu()

    return step


# ----------------------------------------------------------------------------- main


def main() -> None:
    ap = argparse.ArgumentParser(description="Python baselines for audiomap bench")
    ap.add_argument("--torchscript", required=True, help="the audiomap TorchScript file")
    ap.add_argument("--device", default="cpu", help="cpu | cuda | cuda:N")
    ap.add_argument("--clip-seconds", type=float, default=1.0)
    ap.add_argument("--batch", type=int, default=8, help="clips per call of the batched modes")
    ap.add_argument(
        "--dtype",
        default=None,
        help="batched dtype (default float16; falls back where unsupported)",
    )
    ap.add_argument("--modes", default=",".join(ALL_MODES))
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--iters", type=int, default=5, help="at least this many timed calls")
    ap.add_argument("--min-time", type=float, default=1.0, help="and at least this many seconds")
    ap.add_argument("--max-iters", type=int, default=1000)
    ap.add_argument("--threads", type=int, default=0, help="torch intra-op threads (0 = leave)")
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()

    if a.threads > 0:
        torch.set_num_threads(a.threads)
    device = torch.device(a.device)
    from audiomap_export.export import read_metadata

    meta = read_metadata(a.torchscript)
    sr = int(meta.get("sampling_rate", 16000))
    samples = int(round(a.clip_seconds * sr))
    requested = a.dtype or "float16"
    gen = torch.Generator().manual_seed(a.seed)

    def audio_fn(batch: int) -> torch.Tensor:
        # Content does not change the work; seeded so runs repeat.
        return torch.randn(batch, samples, generator=gen)

    report: Dict[str, Any] = {
        "tool": "tools/bench/baseline.py",
        "python": platform.python_version(),
        "torch_version": torch.__version__,
        "device": str(device),
        "device_name": torch.cuda.get_device_name(device)
        if device.type == "cuda"
        else platform.processor() or "cpu",
        "threads": torch.get_num_threads(),
        "clip_seconds": a.clip_seconds,
        "samples": samples,
        "results": [],
        "skipped": [],
    }
    modes = [m for m in a.modes.split(",") if m]
    eager = None
    batched = None

    def probe_dtype() -> Dict[str, Any]:
        nonlocal batched
        if batched is None and requested == QINT8:
            if device.type != "cpu":
                raise ValueError("qint8 (dynamic quantisation) runs on the CPU only")
            batched = {"dtype": QINT8, "note": None}
        if batched is None:
            model = torch.jit.load(a.torchscript, map_location="cpu")
            x = audio_fn(1)

            def probe(dt: torch.dtype) -> None:
                model.to(device=device, dtype=dt)
                with torch.inference_mode():
                    model(x.to(device), torch.tensor([samples], device=device), [])

            batched = pick_dtype(requested, device, probe)
        return batched

    for mode in modes:
        entry: Dict[str, Any] = {"mode": mode}
        try:
            if mode == "eager-b1-fp32":
                eager = eager if eager is not None else eager_model(a.torchscript, meta)
                entry.update(batch=1, dtype="float32", note=eager.weights_note)
                step = run_audiomap_style(eager, device, "float32", 1, a, audio_fn)
            elif mode in ("eager-batched", "torchscript"):
                chosen = probe_dtype()
                entry.update(batch=a.batch, dtype_requested=requested, **chosen)
                if mode == "eager-batched":
                    eager = eager if eager is not None else eager_model(a.torchscript, meta)
                    model = quantized_copy(eager, False) if chosen["dtype"] == QINT8 else eager
                    if eager.weights_note:
                        entry["note"] = "; ".join(
                            n for n in (entry.get("note"), eager.weights_note) if n
                        )
                elif chosen["dtype"] == QINT8:
                    eager = eager if eager is not None else eager_model(a.torchscript, meta)
                    model = quantized_copy(eager, True)
                    entry["note"] = "the eager model quantised and scripted in Python"
                else:
                    model = torch.jit.load(a.torchscript, map_location="cpu")
                step = run_audiomap_style(model, device, chosen["dtype"], a.batch, a, audio_fn)
            elif mode in ("hf-eager-fp32", "hf-eager-batched"):
                try:
                    import transformers
                except ImportError as e:
                    report["skipped"].append(
                        {"mode": mode, "reason": f"transformers is not importable ({e})"}
                    )
                    continue
                report["transformers_version"] = transformers.__version__
                dt = "float32" if mode == "hf-eager-fp32" else probe_dtype()["dtype"]
                entry.update(batch=a.batch, dtype=dt, note="random weights, same config")
                step = run_hf(meta["config"], device, dt, a.batch, audio_fn)
            else:
                raise ValueError(f"unknown mode {mode!r}; known: {', '.join(ALL_MODES)}")
            entry.update(time_calls(step, device, a, entry["batch"]))
            report["results"].append(entry)
        except Exception as e:  # one failing mode must not hide the others
            report["skipped"].append({"mode": mode, "reason": f"{type(e).__name__}: {e}"})
        if device.type == "cuda":
            torch.cuda.empty_cache()
    print(json.dumps(report))


if __name__ == "__main__":
    main()
