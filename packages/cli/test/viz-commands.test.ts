import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

// These tests run the built CLI (pnpm build), as a user would.
const MAIN = resolve(__dirname, "../dist/main.js");
const PYTHON = "/usr/bin/python3";
const haveSklearn = existsSync(PYTHON) && spawnSync(PYTHON, ["-c", "import sklearn"]).status === 0;

function audiomap(...args: string[]) {
  const r = spawnSync(process.execPath, [MAIN, ...args], { encoding: "utf8", timeout: 240_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "audiomap-cli-viz-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.skipIf(!existsSync(MAIN))("umap / cluster / report: flags", () => {
  it("documents every flag in --help", () => {
    const umap = audiomap("umap", "--help");
    expect(umap.code).toBe(0);
    for (const f of [
      "--dims",
      "--neighbors",
      "--min-dist",
      "--metric",
      "--seed",
      "--supervised",
      "--png",
      "--svg",
      "--html",
    ])
      expect(umap.out).toContain(f);
    expect(audiomap("cluster", "--help").out).toContain("--auto-k <kmin:kmax>");
    expect(audiomap("report", "--help").out).toContain("--clusters <file>");
  });

  it("rejects bad values with exit code 2", () => {
    expect(audiomap("umap", "x.csv", "-o", "y.csv", "--dims", "4").code).toBe(2);
    expect(audiomap("cluster", "x.csv", "-o", "y.csv", "--auto-k", "5:2").code).toBe(2);
    expect(audiomap("cluster", "x.csv", "-o", "y.csv", "--method", "dbscan").code).toBe(2);
  });

  it("exits 2 with a clear message on an unknown table format or a missing file", () => {
    writeFileSync(join(dir, "nope.txt"), "not a table\n");
    const r = audiomap("umap", join(dir, "nope.txt"), "-o", join(dir, "l.csv"));
    expect(r.code).toBe(2);
    expect(r.err).toContain("unknown table format");
    const m = audiomap("umap", join(dir, "absent.parquet"), "-o", join(dir, "l.csv"));
    expect(m.code).toBe(2);
    expect(m.err).toContain("input not found");
  });
});

describe.skipIf(!existsSync(MAIN) || !haveSklearn)(
  "umap / cluster / report on sklearn's iris and digits",
  () => {
    let iris: string;
    let digits: string;
    let half: string;
    beforeAll(() => {
      iris = join(dir, "iris.csv");
      digits = join(dir, "digits.csv");
      half = join(dir, "digits-top-half.csv");
      const code = `import sys, csv
from sklearn.datasets import load_iris, load_digits
for name, d, cols in [(sys.argv[1], load_iris(), ["sepal_length","sepal_width","petal_length","petal_width"]), (sys.argv[2], load_digits(), [f"px{i}" for i in range(64)])]:
    with open(name, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(cols + ["label"])
        for row, t in zip(d.data, d.target):
            w.writerow([repr(float(v)) for v in row] + [str(d.target_names[t])])
d = load_digits()
with open(sys.argv[3], "w", newline="") as f:
    w = csv.writer(f)
    w.writerow([f"px{i}" for i in range(32)] + ["label"])
    for row, t in zip(d.data, d.target):
        w.writerow([repr(float(v)) for v in row[:32]] + [str(t)])`;
      const r = spawnSync(PYTHON, ["-c", code, iris, digits, half], { encoding: "utf8" });
      if (r.status !== 0) throw new Error(r.stderr);
    });

    it("umap writes a layout with every row and metadata, plus PNG, SVG and HTML", () => {
      const out = join(dir, "iris-layout.csv");
      const r = audiomap("umap", iris, "-o", out, "--png", "--svg", "--html", "--seed", "7");
      expect(r.err).toBe("");
      expect(r.code).toBe(0);
      const lines = readFileSync(out, "utf8").trim().split("\n");
      expect(lines[0]).toBe("x,y,label");
      expect(lines).toHaveLength(151);
      expect(lines.filter((l) => l.endsWith(",setosa"))).toHaveLength(50);
      expect(readFileSync(join(dir, "iris-layout.png")).subarray(1, 4).toString()).toBe("PNG");
      expect(readFileSync(join(dir, "iris-layout.svg"), "utf8")).toContain(">setosa</text>");
      expect(readFileSync(join(dir, "iris-layout.html"), "utf8")).toContain('"name":"label"');
      // Same seed, same layout.
      const again = join(dir, "iris-layout-2.csv");
      expect(audiomap("umap", iris, "-o", again, "--seed", "7").code).toBe(0);
      expect(readFileSync(again, "utf8")).toBe(readFileSync(out, "utf8"));
    });

    it("cluster finds iris' species (k-means, k=3) and reports agreement", () => {
      const out = join(dir, "iris-clusters.csv");
      const r = audiomap("cluster", iris, "-o", out, "--k", "3", "--json");
      expect(r.code).toBe(0);
      const summary = JSON.parse(r.out);
      expect(summary.clusters).toBe(3);
      // sklearn's KMeans(3) on iris gives ARI 0.730 and NMI 0.758.
      expect(summary.metrics.ari).toBeGreaterThan(0.7);
      expect(summary.metrics.nmi).toBeGreaterThan(0.72);
      const lines = readFileSync(out, "utf8").trim().split("\n");
      expect(lines).toHaveLength(151);
    });

    it("cluster --minibatch runs mini-batch k-means; other methods refuse the flag", () => {
      const out = join(dir, "iris-minibatch.csv");
      const r = audiomap("cluster", iris, "-o", out, "--k", "3", "--minibatch", "--json");
      expect(r.code).toBe(0);
      const summary = JSON.parse(r.out);
      expect(summary.clusters).toBe(3);
      // sklearn's MiniBatchKMeans(3, n_init=3) on iris: ARI 0.73 for most seeds.
      expect(summary.metrics.ari).toBeGreaterThan(0.6);
      const bad = audiomap("cluster", iris, "-o", out, "--method", "hdbscan", "--minibatch");
      expect(bad.code).toBe(2);
      expect(bad.err).toContain("--minibatch applies to --method kmeans only");
    });

    it("cluster --method agglomerative matches sklearn's Ward; hdbscan writes noise as -1", async () => {
      const ref = spawnSync(
        PYTHON,
        [
          "-c",
          `from sklearn.datasets import load_iris
from sklearn.cluster import AgglomerativeClustering
from sklearn import metrics
d = load_iris()
print(metrics.adjusted_rand_score(d.target, AgglomerativeClustering(3).fit_predict(d.data)))`,
        ],
        { encoding: "utf8" },
      );
      const ward = audiomap(
        "cluster",
        iris,
        "-o",
        join(dir, "ward.csv"),
        "--method",
        "agglomerative",
        "--k",
        "3",
        "--json",
      );
      expect(ward.code).toBe(0);
      expect(Math.abs(JSON.parse(ward.out).metrics.ari - Number(ref.stdout))).toBeLessThan(1e-9);
      const out = join(dir, "hdb.parquet");
      const hdb = audiomap(
        "cluster",
        iris,
        "-o",
        out,
        "--method",
        "hdbscan",
        "--min-cluster-size",
        "10",
        "--json",
      );
      expect(hdb.code).toBe(0);
      const summary = JSON.parse(hdb.out);
      expect(summary.clusters).toBeGreaterThanOrEqual(2);
      expect(summary.noise).toBeGreaterThanOrEqual(0);
      expect(existsSync(out)).toBe(true);
    });

    it("cluster --linkage average matches sklearn's average linkage; --knn is checked", () => {
      const ref = spawnSync(
        PYTHON,
        [
          "-c",
          `from sklearn.datasets import load_iris
from sklearn.cluster import AgglomerativeClustering
from sklearn import metrics
d = load_iris()
m = AgglomerativeClustering(3, linkage="average").fit(d.data)
print(metrics.adjusted_rand_score(d.target, m.labels_))`,
        ],
        { encoding: "utf8" },
      );
      const args = ["cluster", iris, "-o", join(dir, "average.csv"), "--method", "agglomerative"];
      const avg = audiomap(...args, "--k", "3", "--linkage", "average", "--knn", "10", "--json");
      expect(avg.code).toBe(0);
      expect(Math.abs(JSON.parse(avg.out).metrics.ari - Number(ref.stdout))).toBeLessThan(1e-9);
      expect(audiomap(...args, "--k", "3", "--linkage", "single").code).not.toBe(0);
      expect(audiomap(...args, "--k", "3", "--knn", "0").code).not.toBe(0);
    });

    it("report uses a given layout and clusters and scores them as sklearn does", () => {
      const layout = join(dir, "digits-layout.csv");
      const clusters = join(dir, "digits-clusters.csv");
      const ref = spawnSync(
        PYTHON,
        [
          "-c",
          `import sys, csv
from sklearn.datasets import load_digits
from sklearn.decomposition import PCA
from sklearn.cluster import KMeans
from sklearn import metrics
d = load_digits()
xy = PCA(2, random_state=0).fit_transform(d.data)
km = KMeans(10, n_init=4, random_state=0).fit_predict(d.data)
with open(sys.argv[1], "w", newline="") as f:
    w = csv.writer(f); w.writerow(["x", "y"]); w.writerows(xy.tolist())
with open(sys.argv[2], "w", newline="") as f:
    w = csv.writer(f); w.writerow(["id", "cluster"]); w.writerows([[i, int(c)] for i, c in enumerate(km)])
print(metrics.adjusted_rand_score(d.target, km), metrics.normalized_mutual_info_score(d.target, km))`,
          layout,
          clusters,
        ],
        { encoding: "utf8" },
      );
      expect(ref.status).toBe(0);
      const [ari, nmi] = ref.stdout.trim().split(" ").map(Number);
      const outDir = join(dir, "report-given");
      const r = audiomap(
        "report",
        digits,
        "-o",
        outDir,
        "--layout",
        layout,
        "--clusters",
        clusters,
        "--title",
        "digits <pca>",
      );
      expect(r.err).toBe("");
      expect(r.code).toBe(0);
      const m = JSON.parse(readFileSync(join(outDir, "metrics.json"), "utf8")).runs[0].metrics;
      expect(Math.abs(m.ari - ari!)).toBeLessThan(1e-9);
      expect(Math.abs(m.nmi - nmi!)).toBeLessThan(1e-9);
      const html = readFileSync(join(outDir, "index.html"), "utf8");
      expect(html).toContain("<h1>digits &#60;pca&#62;</h1>");
      expect(html).toContain(`<td class="num">${ari!.toFixed(4)}</td>`);
      const md = readFileSync(join(outDir, "report.md"), "utf8");
      expect(md).toContain("![clusters versus labels](heatmap.svg)");
    });

    it("report scores a prediction column: accuracy and confusion matrix as sklearn has them", () => {
      const table = join(dir, "digits-predicted.csv");
      const ref = spawnSync(
        PYTHON,
        [
          "-c",
          `import sys, csv, json
from sklearn.datasets import load_digits
from sklearn.neighbors import KNeighborsClassifier
from sklearn import metrics
d = load_digits()
# Trained on 60 clips only, so it makes mistakes on the rest.
knn = KNeighborsClassifier(3).fit(d.data[:60], d.target[:60])
pred = knn.predict(d.data)
with open(sys.argv[1], "w", newline="") as f:
    w = csv.writer(f)
    w.writerow([f"px{i}" for i in range(64)] + ["label", "prediction", "speaker"])
    for i, (row, t, p) in enumerate(zip(d.data, d.target, pred)):
        w.writerow([repr(float(v)) for v in row] + [str(t), str(p), f"s{i % 3}"])
print(json.dumps({"accuracy": metrics.accuracy_score(d.target, pred), "confusion": metrics.confusion_matrix(d.target, pred).tolist()}))`,
          table,
        ],
        { encoding: "utf8" },
      );
      expect(ref.status).toBe(0);
      const want = JSON.parse(ref.stdout);
      expect(want.accuracy).toBeLessThan(0.95);
      const outDir = join(dir, "report-predicted");
      const r = audiomap("report", table, "-o", outDir, "--json");
      expect(r.code).toBe(0);
      const out = JSON.parse(r.out);
      expect(Math.abs(out.predictions.accuracy - want.accuracy)).toBeLessThan(1e-12);
      expect(out.predictions.n).toBe(1797);
      const p = JSON.parse(readFileSync(join(outDir, "metrics.json"), "utf8")).predictions;
      expect(p.classes).toEqual(["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"]);
      expect(p.confusion).toEqual(want.confusion);
      expect(existsSync(join(outDir, "confusion.svg"))).toBe(true);
      // The other column reaches the page as a colouring; the role columns do not repeat.
      const page = readFileSync(join(outDir, "map.html"), "utf8");
      expect(page).toContain('{"name":"speaker","names":["s0","s1","s2"]');
      expect(page.match(/"name":"prediction"/g)?.length).toBe(2); // field + colouring
      const html = readFileSync(join(outDir, "index.html"), "utf8");
      expect(html).toContain(
        `Top-1 accuracy <b>${(100 * want.accuracy).toFixed(1)}%</b> on 1797 clips`,
      );
      const text = audiomap("report", table, "-o", join(dir, "report-predicted-2"));
      expect(text.out).toContain(
        `predictions: top-1 accuracy ${(100 * want.accuracy).toFixed(1)}% on 1797 clips`,
      );
    });

    it("report compares two tables and writes every file", () => {
      const outDir = join(dir, "report");
      const r = audiomap(
        "report",
        digits,
        half,
        "-o",
        outDir,
        "--names",
        "a,b",
        "--title",
        "digits",
      );
      expect(r.code).toBe(0);
      for (const f of [
        "index.html",
        "report.md",
        "metrics.json",
        "map.html",
        "heatmap.svg",
        "scatter-label.png",
        "scatter-cluster.png",
      ])
        expect(existsSync(join(outDir, f))).toBe(true);
      const metrics = JSON.parse(readFileSync(join(outDir, "metrics.json"), "utf8"));
      expect(metrics.runs.map((x: { name: string }) => x.name)).toEqual(["a", "b"]);
      expect(metrics.runs[0].metrics.ari).toBeGreaterThan(0.5);
      expect(r.out).toContain("report:");
    });
  },
);
