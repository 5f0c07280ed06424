#!/usr/bin/python3
"""Evaluate the shipped TorchScript keyword spotter on the held-out test voices.

Measures, on ``testing_list.txt`` of a gen_data.py data set (voice variants never seen in
training):

* top-1 accuracy over the 35 words (argmax over all 36 classes, so a word taken for
  ``_silence_`` is an error), ``_silence_`` accuracy separately, per-word accuracy and
  confusions, per-accent accuracy;
* embedding quality: masked-mean-pooled hidden states of each encoder layer (HF indexing,
  0 = encoder input, L = final output), k-means with k=35 (scikit-learn, 10 seeded inits)
  on the word clips, adjusted Rand index against the word labels;
* CPU latency of one 1-s clip (batch 1, 1 thread, after warm-up).

Writes ``<out>/results.json`` and, with ``--card``, the model card (docs/model-card.md)
filled with these figures and ``training.json`` from the model dir.

Usage: /usr/bin/python3 tools/train/evaluate.py --model packages/model-kws/model --card docs/model-card.md
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
import torch

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from kws_data import DEFAULT_DATA, REPO, labels, load_split, normalize, split_paths  # noqa: E402

N_WORDS = 35


@torch.no_grad()
def run_model(model, audio: torch.Tensor, layers: list[int], batch: int = 64):
    """(logits [N, C], pooled hidden states [len(layers), N, H]) for raw 1-s clips."""
    logits, pooled = [], []
    for i in range(0, audio.size(0), batch):
        x = normalize(audio[i : i + batch])
        lengths = torch.full((x.size(0),), x.size(1), dtype=torch.long)
        out = model(x, lengths, layers)
        logits.append(out["logits"])
        hs = out["hidden_states"]  # [layers, B, F, H]; all frames valid (1-s clips)
        pooled.append(hs.mean(dim=2))
    return torch.cat(logits), torch.cat(pooled, dim=1)


def kmeans_ari(x: np.ndarray, y: np.ndarray, k: int, seed: int = 0) -> float:
    """ARI of k-means (k clusters, 10 inits, seeded) against labels ``y``."""
    from sklearn.cluster import KMeans
    from sklearn.metrics import adjusted_rand_score

    pred = KMeans(n_clusters=k, n_init=10, random_state=seed).fit_predict(x)
    return float(adjusted_rand_score(y, pred))


def latency_ms(model) -> float:
    """Median ms for one 1-s clip, batch 1, current thread count, after 3 warm-up calls."""
    x = torch.randn(1, 16000)
    lengths = torch.tensor([16000])
    times = []
    with torch.no_grad():
        for i in range(13):
            t = time.perf_counter()
            model(x, lengths, [-1])
            if i >= 3:
                times.append((time.perf_counter() - t) * 1000)
    return float(np.median(times))


def fixed_clips_accuracy(model) -> float:
    """Top-1 on the clean clips of tests/test_kws_default_model.py (4 held-out voices x 35 words)."""
    import shutil
    import tempfile

    sys.path.insert(0, str(HERE / "tests"))
    import gen_data
    import test_kws_default_model as fixed

    tmp = tempfile.mkdtemp(prefix="kws-eval-")
    try:
        env = gen_data.isolated_env(tmp)
        items = [(w, v) for v in fixed.TEST_VOICES for w in fixed.WORDS]
        audio = torch.from_numpy(np.stack([fixed.speak(w, v, env) for w, v in items]))
    finally:
        shutil.rmtree(tmp)
    logits, _ = run_model(model, audio, [-1])
    names = labels()
    return float(
        np.mean([names[p] == w for p, (w, _) in zip(logits.argmax(dim=1).tolist(), items)])
    )


def evaluate(model_dir: Path, data: Path) -> dict:
    """All figures for the model in ``model_dir`` (model.pt) on the test split of ``data``."""
    names = labels()
    model = torch.jit.load(str(model_dir / "model.pt"), map_location="cpu").eval()
    paths = split_paths(data)["testing"]
    audio, ids = load_split(data, paths)
    meta = json.loads((data / "manifest.json").read_text())
    by_path = {c["path"]: c for c in meta["clips"]}
    n_states = int(json.loads((model_dir / "config.json").read_text())["num_hidden_layers"]) + 1
    layers = list(range(n_states))
    logits, pooled = run_model(model, audio, layers)
    pred = logits.argmax(dim=1).numpy()
    y = ids.numpy()
    words = y < N_WORDS

    confusion = np.zeros((len(names), len(names)), dtype=int)
    for t, p in zip(y, pred):
        confusion[t, p] += 1
    per_word = {}
    for i in range(len(names)):
        row = confusion[i]
        wrong = {names[j]: int(row[j]) for j in np.argsort(-row) if j != i and row[j] > 0}
        per_word[names[i]] = {
            "n": int(row.sum()),
            "acc": float(row[i] / max(1, row.sum())),
            "confused_with": wrong,
        }
    per_accent: dict[str, list[int]] = {}
    per_variant: dict[str, list[int]] = {}
    for path, t, p in zip(paths, y, pred):
        c = by_path[path]
        if c["accent"] is not None:
            per_accent.setdefault(c["accent"], []).append(int(t == p))
            per_variant.setdefault(c["variant"], []).append(int(t == p))

    ari = {}
    for li in layers:
        emb = pooled[li][torch.from_numpy(words)].numpy()
        ari[str(li)] = kmeans_ari(emb, y[words], N_WORDS)
    last = pooled[-1][torch.from_numpy(words)].numpy()
    last2 = pooled[-2:][:, torch.from_numpy(words)].mean(dim=0).numpy()
    unit = last / np.linalg.norm(last, axis=1, keepdims=True)
    return {
        "model": str(model_dir),
        "data": str(data),
        "test_clips": int(len(y)),
        "test_word_clips": int(words.sum()),
        "test_variants": meta["variants"]["testing"],
        "top1_words": float((pred[words] == y[words]).mean()),
        "top1_all36": float((pred == y).mean()),
        "silence_acc": float((pred[~words] == y[~words]).mean()),
        "per_word": per_word,
        "per_accent": {k: float(np.mean(v)) for k, v in sorted(per_accent.items())},
        "per_variant": {k: float(np.mean(v)) for k, v in sorted(per_variant.items())},
        "ari_by_layer": ari,
        "ari_last": ari[str(n_states - 1)],
        "ari_last2_mean": kmeans_ari(last2, y[words], N_WORDS),
        "ari_last_l2norm": kmeans_ari(unit, y[words], N_WORDS),
        "confusion": confusion.tolist(),
        "labels": names,
        "latency_ms_1s_clip_1thread": latency_ms(model),
        "fixed_clips_acc": fixed_clips_accuracy(model),
        "sizes_bytes": {
            p.name: p.stat().st_size for p in sorted(model_dir.iterdir()) if p.is_file()
        },
    }


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument(
        "--model",
        default=str(REPO / "packages/model-kws/model"),
        help="dir with model.pt + config.json",
    )
    p.add_argument(
        "--data", default=str(DEFAULT_DATA), help="gen_data.py output (default .cache/kws-data)"
    )
    p.add_argument(
        "--out", default=str(REPO / ".cache/kws-eval"), help="results dir (default .cache/kws-eval)"
    )
    p.add_argument("--card", help="also write the model card (markdown) to this path")
    a = p.parse_args(argv)
    torch.set_num_threads(1)
    r = evaluate(Path(a.model), Path(a.data))
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "results.json").write_text(json.dumps(r, indent=1) + "\n")
    print(
        f"top-1 (35 words) {r['top1_words']:.4f} on {r['test_word_clips']} clips; silence {r['silence_acc']:.3f}; "
        f"ARI last layer {r['ari_last']:.3f}; by layer {json.dumps({k: round(v, 3) for k, v in r['ari_by_layer'].items()})}"
    )
    if a.card:
        from model_card import write_card

        info_path = Path(a.model) / "training.json"
        info = json.loads(info_path.read_text()) if info_path.exists() else {}
        write_card(Path(a.card), r, info)
        print(f"wrote {a.card}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
