"""scikit-learn KMeans / MiniBatchKMeans fits of a float32 matrix over several seeds, for the
viz k-means parity tests.

Usage: /usr/bin/python3 sklearn_kmeans.py <x.f32> <rows> <cols> <k> <lloyd|minibatch>
           <seed[,seed...]> <n_init> <max_iter>
Prints [{"inertia", "iterations", "labels"}] in seed order (max_iter 0: the class default).
"""

import json
import sys

import numpy as np
from sklearn.cluster import KMeans, MiniBatchKMeans

path, rows, cols, k, kind = (
    sys.argv[1],
    int(sys.argv[2]),
    int(sys.argv[3]),
    int(sys.argv[4]),
    sys.argv[5],
)
seeds = [int(s) for s in sys.argv[6].split(",")]
n_init, max_iter = int(sys.argv[7]), int(sys.argv[8])
x = np.fromfile(path, dtype=np.float32).reshape(rows, cols)
out = []
for seed in seeds:
    extra = {"max_iter": max_iter} if max_iter > 0 else {}
    if kind == "lloyd":
        model = KMeans(k, n_init=n_init, algorithm="lloyd", random_state=seed, **extra)
    else:
        model = MiniBatchKMeans(k, n_init=n_init, random_state=seed, **extra)
    model.fit(x)
    out.append(
        {
            "inertia": float(model.inertia_),
            "iterations": int(model.n_iter_),
            "labels": model.labels_.tolist(),
        }
    )
print(json.dumps(out))
