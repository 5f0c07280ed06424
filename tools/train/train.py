#!/usr/bin/python3
"""Train the small Wav2Vec2-Conformer keyword spotter on the gen_data.py data set (CPU).

The model is tools/export's own implementation (``audiomap_export.model``) built from
``small-config.json`` with the 36 Speech Commands labels; it is trained from scratch on raw
16 kHz audio, normalised per clip (do_normalize=True) exactly as at inference.

Recipe: AdamW, linear warm-up then cosine decay to 0, cross-entropy with light label
smoothing, gradient clipping, on-the-fly time shift, noise mixing and time masking. ``--time-budget``
caps wall time: schedule progress is max(step / planned steps, elapsed / budget), so a
slow (shared) machine still ends with a fully decayed learning rate; on an idle machine
the run is step-bound and reproducible for a seed.

After every epoch it evaluates the validation voices, writes ``<out>/last.pt``, and when
validation accuracy improves, ``<out>/best/`` (HF checkpoint dir). ``--ship DIR`` then
writes the shipped model: HF checkpoint (float16 safetensors, written by tools/export's
writer, plus the hf_extras adapter) and ``DIR/model.pt`` exported from that dir by
``python -m audiomap_export export``.

Usage:
  /usr/bin/python3 tools/train/train.py --ship packages/model-kws/model
  /usr/bin/python3 tools/train/train.py --ship-only .cache/kws-train/best --ship packages/model-kws/model
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
EXPORT_DIR = REPO / "tools/export"
sys.path.insert(0, str(EXPORT_DIR))
sys.path.insert(0, str(HERE))

from audiomap_export.checkpoint import load_checkpoint, save_checkpoint  # noqa: E402
from audiomap_export.config import with_labels  # noqa: E402
from audiomap_export.model import build_model  # noqa: E402
from hf_extras import add_pos_conv  # noqa: E402
from kws_data import DEFAULT_DATA, labels, load_split, normalize, split_paths  # noqa: E402

SILENCE_ID = 35


def augment(x: torch.Tensor, noise_bank: torch.Tensor, g: torch.Generator) -> torch.Tensor:
    """Random time shift (±100 ms, zero fill) and, for half the clips, a noise clip at 5–30 dB SNR."""
    b, n = x.shape
    out = torch.zeros_like(x)
    shifts = torch.randint(-1600, 1601, (b,), generator=g).tolist()
    for i, s in enumerate(shifts):
        if s >= 0:
            out[i, s:] = x[i, : n - s]
        else:
            out[i, : n + s] = x[i, -s:]
    use = torch.rand(b, generator=g) < 0.5
    idx = torch.randint(0, noise_bank.size(0), (b,), generator=g)
    snr_db = torch.rand(b, generator=g) * 25 + 5
    noise = noise_bank[idx]
    sig_rms = out.pow(2).mean(dim=1).sqrt().clamp_min(1e-5)
    noise_rms = noise.pow(2).mean(dim=1).sqrt().clamp_min(1e-5)
    scale = sig_rms / noise_rms / torch.pow(10.0, snr_db / 20) * use.float()
    return out + noise * scale[:, None]


def time_mask_hook(prob: float, max_frames: int, g: torch.Generator):
    """Forward hook for ``feature_projection``: SpecAugment-style time masking while training.

    For each clip, each of two spans is masked with probability ``prob``: 1..``max_frames``
    consecutive frames (20 ms each) of the projected features are set to zero. Eval mode is
    untouched, so the exported model never sees it.
    """

    def hook(module: torch.nn.Module, _inputs, output: torch.Tensor) -> torch.Tensor:
        if not module.training or prob <= 0.0:
            return output
        b, f, _ = output.shape
        keep = torch.ones(b, f, 1, dtype=output.dtype)
        for _ in range(2):
            use = (torch.rand(b, generator=g) < prob).tolist()
            width = torch.randint(1, max_frames + 1, (b,), generator=g).tolist()
            start = torch.randint(0, f, (b,), generator=g).tolist()
            for i in range(b):
                if use[i]:
                    keep[i, start[i] : start[i] + width[i]] = 0
        return output * keep

    return hook


def lr_at(progress: float, base: float, warmup: float) -> float:
    """Linear warm-up over the first ``warmup`` fraction, then cosine decay to 0."""
    if progress < warmup:
        return base * progress / warmup
    p = min(1.0, (progress - warmup) / (1.0 - warmup))
    return base * 0.5 * (1.0 + math.cos(math.pi * p))


@torch.no_grad()
def evaluate(
    model, audio: torch.Tensor, ids: torch.Tensor, batch: int = 64
) -> tuple[float, torch.Tensor]:
    """(accuracy, predictions) of ``model`` in eval mode on raw clips."""
    model.eval()
    preds = []
    for i in range(0, audio.size(0), batch):
        x = normalize(audio[i : i + batch])
        lengths = torch.full((x.size(0),), x.size(1), dtype=torch.long)
        preds.append(model(x, lengths, [])["logits"].argmax(dim=1))
    p = torch.cat(preds)
    return float((p == ids).float().mean()), p


def machine_info() -> str:
    """CPU model and core count, for training.json (the wall time depends on them)."""
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{model} x{os.cpu_count()}"


def build(config_path: Path):
    cfg = with_labels(json.loads(config_path.read_text()), labels())
    return build_model(cfg, with_head=True)


def ship(ckpt_dir: Path, out_dir: Path, train_info: dict | None) -> None:
    """Write the shipped model: float16 HF checkpoint + model.pt exported from it by tools/export."""
    model, _ = load_checkpoint(str(ckpt_dir))
    out_dir.mkdir(parents=True, exist_ok=True)
    for name in ("config.json", "model.safetensors", "preprocessor_config.json", "model.pt"):
        (out_dir / name).unlink(missing_ok=True)
    save_checkpoint(
        model, str(out_dir), do_normalize=True, sampling_rate=16000, dtype=torch.float16
    )
    add_pos_conv(str(out_dir), model.config)
    env = dict(os.environ, PYTHONPATH=str(EXPORT_DIR))
    subprocess.run(
        [
            sys.executable,
            "-m",
            "audiomap_export",
            "export",
            str(out_dir),
            "-o",
            str(out_dir / "model.pt"),
        ],
        check=True,
        env=env,
    )
    if train_info is not None:
        (out_dir / "training.json").write_text(json.dumps(train_info, indent=2) + "\n")
    sizes = {p.name: p.stat().st_size for p in sorted(out_dir.iterdir())}
    print(f"shipped to {out_dir}: {sizes} total {sum(sizes.values()) / 1e6:.2f} MB")


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument(
        "--data", default=str(DEFAULT_DATA), help="gen_data.py output (default .cache/kws-data)"
    )
    p.add_argument(
        "--out", default=str(REPO / ".cache/kws-train"), help="run dir (default .cache/kws-train)"
    )
    p.add_argument(
        "--config",
        default=str(HERE / "small-config.json"),
        help="model config (default small-config.json)",
    )
    p.add_argument("--epochs", type=int, default=20, help="planned epochs (default 20)")
    p.add_argument("--batch-size", type=int, default=16, help="default 16")
    p.add_argument("--lr", type=float, default=1e-3, help="peak learning rate (default 1e-3)")
    p.add_argument("--weight-decay", type=float, default=0.01, help="default 0.01")
    p.add_argument(
        "--warmup", type=float, default=0.05, help="warm-up fraction of the schedule (default 0.05)"
    )
    p.add_argument("--label-smoothing", type=float, default=0.05, help="default 0.05")
    p.add_argument(
        "--time-budget", type=float, default=55.0, help="wall-clock budget in minutes (default 55)"
    )
    p.add_argument("--seed", type=int, default=0, help="default 0")
    # On a shared 2-core machine 1 thread was ~5x faster per step than 2 (measured: 2.4 s vs
    # 11-12 s per batch of 32 at load average ~7): OpenMP threads wait on each other.
    p.add_argument("--threads", type=int, default=1, help="torch intra-op threads (default 1)")
    p.add_argument(
        "--time-mask",
        type=float,
        default=0.5,
        help="probability of each of two time-mask spans per clip (SpecAugment; default 0.5; 0 = off)",
    )
    p.add_argument(
        "--time-mask-frames",
        type=int,
        default=5,
        help="longest time-mask span in 20 ms frames (default 5)",
    )
    p.add_argument(
        "--init-from", help="start from the model weights in this last.pt (a second training stage)"
    )
    p.add_argument(
        "--ship", help="write the shipped model (checkpoint + model.pt) to this dir at the end"
    )
    p.add_argument("--ship-only", help="skip training; ship this existing checkpoint dir to --ship")
    a = p.parse_args(argv)

    torch.set_num_threads(a.threads)
    if a.ship_only:
        if not a.ship:
            p.error("--ship-only needs --ship DIR")
        info_path = Path(a.ship_only).parent / "training.json"
        info = json.loads(info_path.read_text()) if info_path.exists() else None
        ship(Path(a.ship_only), Path(a.ship), info)
        return 0

    torch.manual_seed(a.seed)
    g = torch.Generator().manual_seed(a.seed)
    root, out = Path(a.data), Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    paths = split_paths(root)
    tr_x, tr_y = load_split(root, paths["training"])
    # Every other validation clip per epoch keeps evaluation cheap; evaluate.py uses them all.
    va_x, va_y = load_split(root, paths["validation"][::2])
    noise_bank = tr_x[tr_y == SILENCE_ID]
    print(
        f"train {len(tr_y)} clips, validation {len(va_y)} clips, {len(noise_bank)} noise clips",
        flush=True,
    )

    model = build(Path(a.config))
    previous = None
    if a.init_from:
        # Second stage: start from the weights of an earlier run (its last.pt) with a new schedule.
        # The file is our own (weights plus AdamW state); torch >= 2.6 defaults to weights_only.
        model.load_state_dict(
            torch.load(a.init_from, map_location="cpu", weights_only=False)["model"]
        )
        prev_info = Path(a.init_from).parent / "training.json"
        previous = json.loads(prev_info.read_text()) if prev_info.exists() else None
    model.wav2vec2_conformer.feature_projection.register_forward_hook(
        time_mask_hook(a.time_mask, a.time_mask_frames, g)
    )
    n_params = sum(t.numel() for t in model.parameters())
    # foreach: one fused update per step instead of ~6 tiny ops per tensor (those dominate on a busy CPU).
    opt = torch.optim.AdamW(model.parameters(), lr=a.lr, weight_decay=a.weight_decay, foreach=True)
    steps_per_epoch = math.ceil(len(tr_y) / a.batch_size)
    planned = a.epochs * steps_per_epoch
    budget_s = a.time_budget * 60
    t0, step, best, history, skipped = time.time(), 0, -1.0, [], 0
    log = open(out / "log.jsonl", "w")
    print(f"{n_params} parameters; {planned} planned steps; budget {budget_s:.0f} s", flush=True)
    done = False
    for epoch in range(a.epochs):
        model.train()
        order = torch.randperm(len(tr_y), generator=g)
        losses = []
        for i in range(0, len(order), a.batch_size):
            progress = max(step / planned, (time.time() - t0) / budget_s)
            if progress >= 1.0:
                done = True
                break
            lr = lr_at(progress, a.lr, a.warmup)
            for group in opt.param_groups:
                group["lr"] = lr
            idx = order[i : i + a.batch_size]
            x = normalize(augment(tr_x[idx], noise_bank, g))
            lengths = torch.full((x.size(0),), x.size(1), dtype=torch.long)
            loss = F.cross_entropy(
                model(x, lengths, [])["logits"], tr_y[idx], label_smoothing=a.label_smoothing
            )
            if not torch.isfinite(loss):
                # Guard against a diverging step: skip it rather than poison the weights.
                skipped += 1
                if skipped > 20:
                    raise RuntimeError(f"{skipped} non-finite losses; lower --lr")
                continue
            opt.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            losses.append(float(loss))
            step += 1
            if step % 10 == 0:
                print(
                    f"  step {step} loss {np.mean(losses[-10:]):.3f} lr {lr:.2e} {time.time() - t0:.0f}s",
                    flush=True,
                )
        if not losses:
            break
        acc, _ = evaluate(model, va_x, va_y)
        rec = {
            "epoch": epoch + 1,
            "step": step,
            "train_loss": float(np.mean(losses)),
            "val_acc": acc,
            "elapsed_s": round(time.time() - t0, 1),
            "lr": lr,
            "load_avg_1min": os.getloadavg()[0],
        }
        history.append(rec)
        log.write(json.dumps(rec) + "\n")
        log.flush()
        print(
            f"epoch {epoch + 1}: loss {rec['train_loss']:.3f} val acc {acc:.4f} ({rec['elapsed_s']} s)",
            flush=True,
        )
        torch.save(
            {
                "model": model.state_dict(),
                "optimizer": opt.state_dict(),
                "step": step,
                "epoch": epoch + 1,
            },
            out / "last.pt",
        )
        if acc > best:
            best = acc
            save_checkpoint(model, str(out / "best"), do_normalize=True, sampling_rate=16000)
        if done:
            break
    info = {
        "seed": a.seed,
        "epochs_run": len(history),
        "steps": step,
        "planned_steps": planned,
        "batch_size": a.batch_size,
        "lr": a.lr,
        "weight_decay": a.weight_decay,
        "warmup": a.warmup,
        "label_smoothing": a.label_smoothing,
        "time_mask": a.time_mask,
        "time_mask_frames": a.time_mask_frames,
        "data": str(root),
        "time_budget_min": a.time_budget,
        "threads": a.threads,
        "train_clips": len(tr_y),
        "validation_clips": len(va_y),
        "parameters": n_params,
        "best_val_acc": best,
        "skipped_nonfinite_steps": skipped,
        "train_wall_s": round(time.time() - t0, 1),
        "history": history,
        "torch_version": torch.__version__,
        "machine": machine_info(),
        "nice": os.nice(0),
        "load_avg_end": list(os.getloadavg()),
        "init_from": a.init_from,
        "previous_stage": previous,
    }
    (out / "training.json").write_text(json.dumps(info, indent=2) + "\n")
    print(f"done: {step} steps, best val acc {best:.4f}, {info['train_wall_s']} s", flush=True)
    if a.ship:
        ship(out / "best", Path(a.ship), info)
    return 0


if __name__ == "__main__":
    sys.exit(main())
