"""scikit-learn KMeans reference for bench/kmeans/run.mjs.

Usage: /usr/bin/python3 reference.py <base> <k> <n_init> <seed>
Reads <base>.f32 / <base>.json (written by bench/umap/reference.py data), runs
KMeans(algorithm="lloyd", init="k-means++"), writes <base>.sklearn-kmeans.i32 and prints
{"seconds", "inertia", "iterations"}.
"""

import json
import sys
import time

import numpy as np
from sklearn.cluster import KMeans

base, k, n_init, seed = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
with open(f"{base}.json") as f:
    shape = json.load(f)["shape"]
x = np.fromfile(f"{base}.f32", dtype=np.float32).reshape(shape)
t0 = time.perf_counter()
km = KMeans(n_clusters=k, n_init=n_init, algorithm="lloyd", random_state=seed).fit(x)
seconds = time.perf_counter() - t0
km.labels_.astype(np.int32).tofile(f"{base}.sklearn-kmeans.i32")
print(
    json.dumps({"seconds": seconds, "inertia": float(km.inertia_), "iterations": int(km.n_iter_)})
)
