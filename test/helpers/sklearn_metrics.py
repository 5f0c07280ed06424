"""scikit-learn's values of the demo's metrics, as an independent reference.

usage: sklearn_metrics.py < {"X": [[...]], "labels": [...], "clusters": [...], "layout": [[x, y]...]}
prints JSON {ari, nmi, homogeneity, completeness, vMeasure, purity, silhouette, trustworthiness}.
"""

import json
import sys

import numpy as np
from sklearn import metrics
from sklearn.manifold import trustworthiness

d = json.load(sys.stdin)
X = np.asarray(d["X"], dtype=np.float64)
y, c = d["labels"], d["clusters"]
h, comp, v = metrics.homogeneity_completeness_v_measure(y, c)
table = metrics.cluster.contingency_matrix(y, c)
out = {
    "ari": metrics.adjusted_rand_score(y, c),
    "nmi": metrics.normalized_mutual_info_score(y, c),
    "homogeneity": h,
    "completeness": comp,
    "vMeasure": v,
    "purity": table.max(axis=0).sum() / table.sum(),
    "silhouette": metrics.silhouette_score(X, c),
    "trustworthiness": trustworthiness(
        X, np.asarray(d["layout"], dtype=np.float64), n_neighbors=15
    ),
}
print(json.dumps({k: float(v) for k, v in out.items()}))
