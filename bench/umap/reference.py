"""Data sets and the umap-learn reference for bench/umap/run.mjs.

Usage: /usr/bin/python3 reference.py data <name> <n> <outdir>
         writes <outdir>/<name>.f32 (float32 rows), <name>.i32 (labels), <name>.json (shape)
       /usr/bin/python3 reference.py umap <outdir>/<name> <nNeighbors> <minDist> <metric> <seed>
         runs umap-learn 0.5.3 on it in this fresh process, so numba's JIT compilation is
         included; writes <name>.umap-learn.f32 and prints {"seconds" (import + fit),
         "fitSeconds", "importSeconds"}
"""

import json
import sys
import time


def make_data(name, n, out):
    import numpy as np

    if name == "digits":
        from sklearn.datasets import load_digits

        x, y = load_digits(return_X_y=True)
    else:  # "mixture": n points, 768 dims, 14 Gaussian classes
        rng = np.random.default_rng(0)
        k, d = 14, 768
        centers = rng.normal(scale=1.0, size=(k, d))
        y = rng.integers(0, k, size=n)
        # Centres 0.3 apart per axis under unit noise: classes are separable but overlap a little.
        x = centers[y] * 0.3 + rng.normal(size=(n, d))
    x = np.ascontiguousarray(x, dtype=np.float32)
    x.tofile(f"{out}/{name}.f32")
    np.asarray(y, dtype=np.int32).tofile(f"{out}/{name}.i32")
    with open(f"{out}/{name}.json", "w") as f:
        json.dump({"shape": list(x.shape)}, f)


def run_umap(base, n_neighbors, min_dist, metric, seed):
    t0 = time.perf_counter()
    import numpy as np
    import umap

    with open(f"{base}.json") as f:
        shape = json.load(f)["shape"]
    x = np.fromfile(f"{base}.f32", dtype=np.float32).reshape(shape)
    t1 = time.perf_counter()
    emb = umap.UMAP(
        n_neighbors=n_neighbors, min_dist=min_dist, metric=metric, random_state=seed
    ).fit_transform(x)
    t2 = time.perf_counter()
    np.asarray(emb, dtype=np.float32).tofile(f"{base}.umap-learn.f32")
    print(json.dumps({"seconds": t2 - t0, "fitSeconds": t2 - t1, "importSeconds": t1 - t0}))


if __name__ == "__main__":
    if sys.argv[1] == "data":
        make_data(sys.argv[2], int(sys.argv[3]), sys.argv[4])
    else:
        run_umap(sys.argv[2], int(sys.argv[3]), float(sys.argv[4]), sys.argv[5], int(sys.argv[6]))
