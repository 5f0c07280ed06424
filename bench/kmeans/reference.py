"""scikit-learn k-means references for bench/kmeans/run.mjs.

Usage:
  /usr/bin/python3 reference.py data <n> <d> <k> <out_base>
      writes a Gaussian mixture (k centres 0.3 x N(0, 1) per axis, unit noise; the recipe of
      bench/umap/reference.py's "mixture") as <out_base>.f32 / .i32 / .json
  /usr/bin/python3 reference.py kmeans <base> <k> <n_init> <seed>
      KMeans(algorithm="lloyd", init="k-means++")
  /usr/bin/python3 reference.py minibatch <base> <k> <n_init> <seed>
      MiniBatchKMeans (batch_size 1024 and the other defaults)
Both fits write <base>.sklearn-kmeans.i32 and print {"seconds", "cpuSeconds", "inertia",
"iterations", "maxRssMiB"} (seconds: the fit alone; maxRssMiB: this process's peak).
"""

import json
import resource
import sys
import time

import numpy as np


def make_data(n, d, k, base):
    rng = np.random.default_rng(0)
    centers = rng.normal(scale=1.0, size=(k, d))
    y = rng.integers(0, k, size=n)
    x = np.empty((n, d), dtype=np.float32)
    for s in range(0, n, 100_000):  # in blocks: no float64 [n, d] temporary
        e = min(s + 100_000, n)
        x[s:e] = centers[y[s:e]] * 0.3 + rng.normal(size=(e - s, d))
    x.tofile(f"{base}.f32")
    np.asarray(y, dtype=np.int32).tofile(f"{base}.i32")
    with open(f"{base}.json", "w") as f:
        json.dump({"shape": [n, d]}, f)


def fit(kind, base, k, n_init, seed):
    from sklearn.cluster import KMeans, MiniBatchKMeans

    with open(f"{base}.json") as f:
        shape = json.load(f)["shape"]
    x = np.fromfile(f"{base}.f32", dtype=np.float32).reshape(shape)
    if kind == "kmeans":
        model = KMeans(n_clusters=k, n_init=n_init, algorithm="lloyd", random_state=seed)
    else:
        model = MiniBatchKMeans(n_clusters=k, n_init=n_init, random_state=seed)
    t0, c0 = time.perf_counter(), time.process_time()
    model.fit(x)
    seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
    model.labels_.astype(np.int32).tofile(f"{base}.sklearn-kmeans.i32")
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    out = {
        "seconds": seconds,
        "cpuSeconds": cpu,
        "inertia": float(model.inertia_),
        "iterations": int(model.n_iter_),
        "maxRssMiB": rss,
    }
    print(json.dumps(out))


if __name__ == "__main__":
    if sys.argv[1] == "data":
        make_data(int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5])
    else:
        fit(sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]))
