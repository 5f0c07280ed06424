"""The report of bench/gpu/run.sh: one JSON file and one Markdown table.

usage:
  report.py summarize-bench BENCH_REPORT.json OUT.json   the bench step's summary (its cells,
                                                         the baseline ratios, every skip)
  report.py report WORK OUT.json OUT.md BUDGET_S WALL_S  the whole run

Python with the standard library only: it must run even where the kit did not unpack.
"""

import json
import os
import sys
from typing import Any, Dict, List, Optional

STEPS = ["unpack", "build", "export", "parity", "bench", "data", "embed", "oom", "streams"]


def _load(path: str) -> Optional[Any]:
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def summarize_bench(src: str, dst: str) -> None:
    report = json.load(open(src))
    cells = []
    for i, c in enumerate(report["cells"]):
        base = {}
        for b in report.get("baselines", []):
            if b["cell"] != i:
                continue
            r = b.get("result") or {}
            base[b["mode"]] = {
                "ratio": b.get("ratio"),
                "audio_seconds_per_s": r.get("audio_seconds_per_s"),
                "batch": r.get("batch"),
                "dtype": r.get("dtype"),
                "note": r.get("note"),
                "skipped": b.get("skipped"),
            }
        cells.append(
            {
                "model": c["model"],
                "device": c["device"],
                "deviceName": c["deviceName"],
                "dtype": c["dtype"],
                "clipSeconds": c["clipSeconds"],
                "batch": c["batch"],
                "audioSecondsPerSecond": c["audioSecondsPerSecond"],
                "latencyMs": c["latencyMs"],
                "mfu": c["mfu"],
                "achievedTflops": c["achievedTflops"],
                "memory": c["memory"],
                "cosineVsFloat32": c["cosineVsFloat32"],
                "baselines": base,
            }
        )
    skipped = sorted(
        {f"{b['mode']}: {b['skipped']}" for b in report.get("baselines", []) if b.get("skipped")}
    )
    out = {"host": report.get("host"), "cells": cells, "skippedBaselines": skipped}
    json.dump(out, open(dst, "w"), indent=1)


def _fmt(x: Optional[float], spec: str = ".1f") -> str:
    return "—" if x is None else format(x, spec)


def _details(name: str, r: Any) -> str:
    """One line of what a step measured, for the Markdown table."""
    if not isinstance(r, dict):
        return ""
    if name == "build":
        b = r.get("buildInfo", {})
        return f"LibTorch {b.get('torchVersion')}, CUDA {b.get('cuda')}, devices {[d.get('id', d.get('type')) for d in r.get('devices', {}).get('devices', [])]}"
    if name == "export":
        return ", ".join(f"{k} {v / 2**20:.1f} MiB" for k, v in r.items())
    if name == "parity":
        return "; ".join(
            f"{'ok' if c['ok'] else 'FAIL'} {c['name'].split(' (')[0]}"
            + (f" min cos {min(c['cosine']):.6f}" if "cosine" in c else f" rel {c['rel']:.2e}")
            for c in r.get("checks", [])
        )
    if name == "bench":
        parts = [f"{len(r.get('cells', []))} cells"]
        for c in r.get("cells", []):
            parts.append(
                f"{c['dtype']} {c['clipSeconds']:g}s: {c['audioSecondsPerSecond']:.0f} a-s/s"
                + (f", MFU {100 * c['mfu']:.1f}%" if c.get("mfu") is not None else "")
            )
        if r.get("skippedBaselines"):
            parts.append("skipped baselines: " + " | ".join(r["skippedBaselines"]))
        return "; ".join(parts)
    if name == "data":
        return f"{r.get('clips')} clips, {r.get('audio_seconds')} s of audio"
    if name == "embed":
        e, f = r.get("e2e", {}), r.get("forward", {})
        return (
            f"e2e {_fmt(e.get('audioSecPerSec'))} a-s/s ({e.get('ok')} rows), pure forward "
            f"{_fmt(f.get('audioSecPerSec'))} a-s/s, ratio {_fmt(r.get('ratio'), '.3f')}"
        )
    if name == "oom":
        o = r.get("oversized", {})
        sim = " (simulated)" if r.get("simulated") else ""
        return (
            f"{o.get('oomSplits')} splits{sim}, budget 3600 → {_fmt(o.get('finalBatchSeconds'))} s, "
            f"{o.get('ok')} rows, min cos to reference {_fmt(r.get('cosineToReference', {}).get('min'), '.6f')}"
        )
    if name == "streams":
        return "; ".join(
            f"{w['name']}: {_fmt(w.get('audioSecPerSec'))} a-s/s (× {_fmt(w.get('ratioToFirst'), '.3f')}), busy {_fmt(100 * (w.get('modelBusy') or 0))}%"
            for w in r.get("runs", [])
        )
    return ""


def report(work: str, out_json: str, out_md: str, budget: str, wall: str) -> None:
    records = []
    with open(os.path.join(work, "steps.jsonl")) as f:
        records = [json.loads(line) for line in f if line.strip()]
    by_name = {r["name"]: r for r in records}
    steps: List[Dict[str, Any]] = []
    for name in STEPS:
        r = dict(
            by_name.get(name)
            or {
                "name": name,
                "status": "skipped",
                "seconds": 0,
                "reason": "not reached (run.sh stopped before it)",
            }
        )
        result = _load(os.path.join(work, "results", f"{name}.json"))
        if result is not None:
            r["result"] = result
        if r["status"] == "skipped" and not r.get("reason") and isinstance(result, dict):
            r["reason"] = result.get("skipped")
        steps.append(r)
    host = _load(os.path.join(work, "host.json")) or {}
    kit = _load(os.path.join(work, "kit-manifest.json"))
    doc = {
        "tool": "bench/gpu/run.sh",
        "mode": host.get("mode"),
        "host": host,
        "kit": kit,
        "budget_s": float(budget),
        "wall_s": float(wall),
        "steps": steps,
    }
    json.dump(doc, open(out_json, "w"), indent=1)
    lines = [
        f"# audiomap GPU kit run ({host.get('mode')} mode)",
        "",
        f"Host: {host.get('gpu', 'no GPU')}, driver {host.get('driver', '—')}, torch {host.get('torch')} "
        f"(CUDA {host.get('torch_cuda')}), Python {host.get('python')}, transformers "
        f"{host.get('transformers')}, {host.get('cores')} cores; nvcc: {host.get('nvcc')}; "
        f"audio libraries from the {host.get('audio_libs')}.",
        f"Kit: commit {(kit or {}).get('commit', '?')[:12]} ({(kit or {}).get('uncommittedFiles', '?')} uncommitted files), packed {(kit or {}).get('packed', '?')}.",
        f"Wall time {float(wall):.0f} s of a {float(budget):.0f} s budget.",
        "",
        "| step | status | seconds | details |",
        "| ---- | ------ | ------- | ------- |",
    ]
    for s in steps:
        detail = s.get("reason") or ""
        measured = _details(s["name"], s.get("result"))
        text = "; ".join(t for t in (measured, detail) if t).replace("|", "\\|")
        lines.append(f"| {s['name']} | {s['status']} | {s['seconds']:.1f} | {text} |")
    bench = (by_name.get("bench") or {}).get("status") == "ok" and os.path.join(
        work, "results", "bench.md"
    )
    if bench and os.path.exists(bench):
        lines += ["", "## audiomap bench", "", open(bench).read().strip()]
    open(out_md, "w").write("\n".join(lines) + "\n")


def main() -> None:
    if len(sys.argv) >= 4 and sys.argv[1] == "summarize-bench":
        summarize_bench(sys.argv[2], sys.argv[3])
    elif len(sys.argv) == 7 and sys.argv[1] == "report":
        report(*sys.argv[2:7])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
