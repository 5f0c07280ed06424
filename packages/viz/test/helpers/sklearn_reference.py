"""Reference values from scikit-learn for the viz metric tests.

Usage: /usr/bin/python3 sklearn_reference.py <dataset> <outdir>
  dataset: iris | digits | random | blobs
Writes <outdir>/x.f32 (float32 rows), y.i32 (true labels), pred.i32 (a clustering), noisy.i32
(a classifier's predictions),
emb.f32 (a 2-D layout), xj.f32/embj.f32 (jittered copy and its layout) and ref.json (shape + every metric, computed on the float32 values).
"""

import json
import sys

import numpy as np
from sklearn import datasets, metrics
from sklearn.cluster import KMeans
from sklearn.decomposition import PCA
from sklearn.manifold import trustworthiness

name, out = sys.argv[1], sys.argv[2]
rng = np.random.default_rng(7)
if name == "iris":
    x, y = datasets.load_iris(return_X_y=True)
elif name == "digits":
    x, y = datasets.load_digits(return_X_y=True)
elif name == "random":
    x = rng.normal(size=(300, 20))
    y = rng.integers(0, 5, size=300)
elif name == "blobs":
    x, y = datasets.make_blobs(
        n_samples=2000, n_features=32, centers=6, cluster_std=1.0, random_state=3
    )
else:
    raise SystemExit(f"unknown dataset {name}")

x = x.astype(np.float32)
# The metrics see exactly the float32 values the TypeScript side gets, promoted to float64.
x64 = x.astype(np.float64)
k = len(np.unique(y))
if name == "random":
    pred = rng.integers(0, 4, size=len(y))
else:
    pred = KMeans(n_clusters=k, n_init=10, random_state=0).fit_predict(x64)
emb = PCA(n_components=2, random_state=0).fit_transform(x64).astype(np.float32)
emb64 = emb.astype(np.float64)
# Trustworthiness ranks neighbours with numpy's argsort, whose order among tied distances is
# unspecified (iris has duplicate rows, digits integer pixels). It is compared on a copy with a
# small deterministic jitter, where no ties remain; the untied data set is scored too.
xj = (x64 + rng.normal(scale=1e-3, size=x.shape)).astype(np.float32)
xj64 = xj.astype(np.float64)
embj = PCA(n_components=2, random_state=0).fit_transform(xj64).astype(np.float32)
embj64 = embj.astype(np.float64)
# A classifier's top-1: the true labels with a fifth of them replaced at random, some by a label
# (k) that no point has, so the confusion matrix spans the union of both label sets.
flip_rng = np.random.default_rng(11)
noisy = np.asarray(y, dtype=np.int32).copy()
flip = flip_rng.random(len(noisy)) < 0.2
noisy[flip] = flip_rng.integers(0, k + 1, size=int(flip.sum()))

h, c, v = metrics.homogeneity_completeness_v_measure(y, pred)
table = metrics.cluster.contingency_matrix(y, pred)
ref = {
    "shape": list(x.shape),
    "ari": metrics.adjusted_rand_score(y, pred),
    "nmi": metrics.normalized_mutual_info_score(y, pred),
    "homogeneity": h,
    "completeness": c,
    "vMeasure": v,
    "purity": float(table.max(axis=0).sum() / table.sum()),
    "contingency": table.tolist(),
    "silhouetteEuclidean": metrics.silhouette_score(x64, pred, metric="euclidean"),
    "silhouetteCosine": metrics.silhouette_score(x64, pred, metric="cosine"),
    "silhouetteTrueEuclidean": metrics.silhouette_score(x64, y, metric="euclidean"),
    "trust15Tied": trustworthiness(x64, emb64, n_neighbors=15),
    "trust15": trustworthiness(xj64, embj64, n_neighbors=15),
    "trust5": trustworthiness(xj64, embj64, n_neighbors=5),
    "trust15Cosine": trustworthiness(xj64, embj64, n_neighbors=15, metric="cosine"),
    "kmeansAri": metrics.adjusted_rand_score(y, pred),
    "accuracy": metrics.accuracy_score(y, noisy),
    "confusionLabels": [int(v) for v in np.unique(np.concatenate([y, noisy]))],
    "confusion": metrics.confusion_matrix(y, noisy).tolist(),
    "recall": metrics.recall_score(y, noisy, average=None, zero_division=0).tolist(),
    "precision": metrics.precision_score(y, noisy, average=None, zero_division=0).tolist(),
}
x.tofile(f"{out}/x.f32")
np.asarray(y, dtype=np.int32).tofile(f"{out}/y.i32")
np.asarray(pred, dtype=np.int32).tofile(f"{out}/pred.i32")
noisy.tofile(f"{out}/noisy.i32")
emb.tofile(f"{out}/emb.f32")
xj.tofile(f"{out}/xj.f32")
embj.tofile(f"{out}/embj.f32")
with open(f"{out}/ref.json", "w") as f:
    json.dump(ref, f)
