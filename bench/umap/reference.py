"""Data sets and the umap-learn reference for bench/umap/run.mjs.

Usage: /usr/bin/python3 reference.py data <name> <n> <outdir>
         writes <outdir>/<name>.f32 (float32 rows), <name>.i32 (labels), <name>.json (shape)
       /usr/bin/python3 reference.py truth <outdir>/<name> <rows> <k>
         prints {"rows", "neighbours"}: the exact k nearest other rows (float64) of `rows`
         seeded random rows, for bench/umap/recall.mjs
       /usr/bin/python3 reference.py nndescent <outdir>/<name> <k>
         pynndescent's kNN graph (as umap-learn builds it) to <name>.nnd.i32 [n, k], self
         dropped; prints {"seconds"} (build + graph, numba compilation included)
       /usr/bin/python3 reference.py umap <outdir>/<name> <nNeighbors> <minDist> <metric> <seed>
         runs umap-learn 0.5.3 on it in this fresh process, so numba's JIT compilation is
         included; writes <name>.umap-learn.f32 and prints {"seconds" (import + fit),
         "fitSeconds", "importSeconds", "peakRssGiB"}; with a 7th argument "warm", first fits
         2,000 rows so that "seconds" is a warm fit's (JIT compiled), "warmupSeconds" that fit's
"""

import json
import sys
import time


def make_data(name, n, out):
    import numpy as np

    if name == "digits":
        from sklearn.datasets import load_digits

        x, y = load_digits(return_X_y=True)
    elif name == "lowrank":  # n points, 768 dims: a rank-32 signal plus small isotropic noise
        rng = np.random.default_rng(0)
        r, d = 32, 768
        basis = rng.normal(size=(r, d)) / np.sqrt(r)  # each output axis has unit signal variance
        y = np.zeros(n, dtype=np.int32)
        x = rng.normal(size=(n, r)) @ basis + 0.05 * rng.normal(size=(n, d))
    else:  # "mixture": n points, 768 dims, 14 Gaussian classes ("mixture144": 144 dims)
        rng = np.random.default_rng(0)
        k, d = 14, (144 if name == "mixture144" else 768)
        centers = rng.normal(scale=1.0, size=(k, d))
        y = rng.integers(0, k, size=n)
        # Centres 0.3 apart per axis under unit noise: classes are separable but overlap a little.
        x = centers[y] * 0.3 + rng.normal(size=(n, d))
    x = np.ascontiguousarray(x, dtype=np.float32)
    x.tofile(f"{out}/{name}.f32")
    np.asarray(y, dtype=np.int32).tofile(f"{out}/{name}.i32")
    with open(f"{out}/{name}.json", "w") as f:
        json.dump({"shape": list(x.shape)}, f)


def load(base):
    import numpy as np

    with open(f"{base}.json") as f:
        shape = json.load(f)["shape"]
    return np.fromfile(f"{base}.f32", dtype=np.float32).reshape(shape)


def truth(base, rows, k):
    import numpy as np

    x = load(base).astype(np.float64)
    rng = np.random.default_rng(1)
    sample = np.sort(rng.choice(x.shape[0], rows, replace=False))
    sq = (x * x).sum(1)
    neighbours = []
    for s in range(0, rows, 250):
        q = sample[s : s + 250]
        d = sq[q][:, None] - 2 * x[q] @ x.T + sq[None, :]
        d[np.arange(len(q)), q] = np.inf
        part = np.argpartition(d, k, axis=1)[:, :k]
        order = np.take_along_axis(d, part, 1).argsort(1)
        neighbours += np.take_along_axis(part, order, 1).tolist()
    print(json.dumps({"rows": sample.tolist(), "neighbours": neighbours}))


def nndescent(base, k):
    import numpy as np
    from pynndescent import NNDescent

    x = load(base)
    t0 = time.perf_counter()
    # umap-learn 0.5.3's settings for its nearest_neighbors (n_trees, n_iters from n).
    n_trees = min(64, 5 + int(round((x.shape[0]) ** 0.5 / 20.0)))
    n_iters = max(5, int(round(np.log2(x.shape[0]))))
    index = NNDescent(
        x,
        n_neighbors=k + 1,
        metric="euclidean",
        n_trees=n_trees,
        n_iters=n_iters,
        max_candidates=60,
        low_memory=True,
        random_state=0,
    )
    idx, _ = index.neighbor_graph
    seconds = time.perf_counter() - t0
    out = np.empty((x.shape[0], k), dtype=np.int32)
    for i, row in enumerate(idx):
        out[i] = [j for j in row if j != i][:k]
    out.tofile(f"{base}.nnd.i32")
    print(json.dumps({"seconds": seconds}))


def run_umap(base, n_neighbors, min_dist, metric, seed, warm=False):
    t0 = time.perf_counter()
    import resource

    import numpy as np
    import umap

    with open(f"{base}.json") as f:
        shape = json.load(f)["shape"]
    x = np.fromfile(f"{base}.f32", dtype=np.float32).reshape(shape)
    t1 = time.perf_counter()
    warmup = 0.0
    if warm:  # compile numba's kernels on 2,000 rows first, so the timed fit is a warm one
        umap.UMAP(n_neighbors=n_neighbors, min_dist=min_dist, metric=metric).fit(x[:2000])
        warmup = time.perf_counter() - t1
        t1 = time.perf_counter()
    emb = umap.UMAP(
        n_neighbors=n_neighbors, min_dist=min_dist, metric=metric, random_state=seed
    ).fit_transform(x)
    t2 = time.perf_counter()
    np.asarray(emb, dtype=np.float32).tofile(f"{base}.umap-learn.f32")
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20  # KiB -> GiB
    out = {"seconds": t2 - t1 + (0 if warm else t1 - t0), "fitSeconds": t2 - t1}
    print(
        json.dumps(
            {**out, "importSeconds": t1 - t0 - warmup, "warmupSeconds": warmup, "peakRssGiB": rss}
        )
    )


if __name__ == "__main__":
    if sys.argv[1] == "data":
        make_data(sys.argv[2], int(sys.argv[3]), sys.argv[4])
    elif sys.argv[1] == "truth":
        truth(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
    elif sys.argv[1] == "nndescent":
        nndescent(sys.argv[2], int(sys.argv[3]))
    else:
        warm = len(sys.argv) > 7 and sys.argv[7] == "warm"
        run_umap(
            sys.argv[2], int(sys.argv[3]), float(sys.argv[4]), sys.argv[5], int(sys.argv[6]), warm
        )
