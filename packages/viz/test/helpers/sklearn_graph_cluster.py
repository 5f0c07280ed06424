"""scikit-learn references for the kNN-graph clusterers (tests and bench/cluster).

Usage: python3 sklearn_graph_cluster.py <x.f32 | -> <rows> <cols> <job> [<job> ...]
("-": the float32 matrix comes on stdin, so that the script also runs as `python3 -c` in a
chroot that has a newer scikit-learn). A job is one of
  ward:<k>:<knn>     AgglomerativeClustering(k, linkage="ward",
                       connectivity=kneighbors_graph(X, knn)) (any scikit-learn)
  average:<k>:<knn>  the same with linkage="average"
  hdbscan:<mcs>:<ms> sklearn.cluster.HDBSCAN(min_cluster_size=mcs, min_samples=ms)
                       (scikit-learn >= 1.3; the point itself counts in min_samples)
Prints one JSON object: {"<job>": {"labels": [...], "seconds": s, "heights": [...]?}}, where
"seconds" times the fit, kNN graph included, and "heights" (ward/average) are the merge
distances in merge order.
"""

import json
import sys
import time
import warnings

import numpy as np
from sklearn.cluster import AgglomerativeClustering
from sklearn.neighbors import kneighbors_graph

path, rows, cols = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
raw = sys.stdin.buffer.read() if path == "-" else open(path, "rb").read()
x = np.frombuffer(raw, dtype=np.float32).reshape(rows, cols).astype(np.float64)
out = {}
for job in sys.argv[4:]:
    kind, a, b = job.split(":")
    start = time.perf_counter()
    if kind in ("ward", "average"):
        graph = kneighbors_graph(x, int(b), include_self=False)
        with warnings.catch_warnings():
            # "the number of connected components ... Completing it": expected on blobs.
            warnings.simplefilter("ignore", UserWarning)
            model = AgglomerativeClustering(
                n_clusters=int(a),
                linkage=kind,
                connectivity=graph,
                compute_full_tree=True,
                compute_distances=True,
            ).fit(x)
        result = {"labels": model.labels_.tolist(), "heights": model.distances_.tolist()}
    elif kind == "hdbscan":
        from sklearn.cluster import HDBSCAN

        model = HDBSCAN(min_cluster_size=int(a), min_samples=int(b)).fit(x)
        result = {"labels": model.labels_.tolist()}
    else:
        raise SystemExit(f"unknown job {job!r}")
    result["seconds"] = time.perf_counter() - start
    out[job] = result
print(json.dumps(out))
