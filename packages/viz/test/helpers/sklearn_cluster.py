"""scikit-learn clusterings of a float32 matrix, for the viz clustering tests.

Usage: /usr/bin/python3 sklearn_cluster.py <x.f32> <rows> <cols> <k[,k...]>
Prints {"kmeans": [...] (first k; KMeans lloyd n_init=10), "kmeansInertia",
        "ward": {"<k>": [...]} (AgglomerativeClustering ward, each k)}.
"""

import json
import sys

import numpy as np
from sklearn.cluster import AgglomerativeClustering, KMeans

path, rows, cols = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
ks = [int(k) for k in sys.argv[4].split(",")]
x = np.fromfile(path, dtype=np.float32).reshape(rows, cols).astype(np.float64)
km = KMeans(n_clusters=ks[0], n_init=10, algorithm="lloyd", random_state=0).fit(x)
ward = {
    str(k): AgglomerativeClustering(n_clusters=k, linkage="ward").fit(x).labels_.tolist()
    for k in ks
}
print(
    json.dumps({"kmeans": km.labels_.tolist(), "kmeansInertia": float(km.inertia_), "ward": ward})
)
