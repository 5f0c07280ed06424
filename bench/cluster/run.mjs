#!/usr/bin/env node
// HDBSCAN and agglomerative (Ward, average) at scale: audiomap's kNN-graph paths against
// scikit-learn on the same data in the same run (ratios), then alone at sizes beyond the
// reference. Data: a seeded mixture of `--blobs` Gaussian blobs (unit noise, centres 10 apart
// per axis, standing in for PCA'd embeddings) in `--dims` dimensions. One command:
//   node bench/cluster/run.mjs [--sizes 20000,200000] [--reference-max 20000] [--dims 16]
//        [--blobs 20] [--methods hdbscan,ward,average] [--knn 15] [--min-cluster-size 50] [--min-samples 10]
//        [--hdbscan-python "chroot /path/to/trixie-root python3"]
// Each case runs in its own process under /usr/bin/time for its peak RSS. The references:
// ward/average = AgglomerativeClustering(connectivity=kneighbors_graph(X, knn)) with Debian's
// /usr/bin/python3 (scikit-learn 1.2); hdbscan = sklearn.cluster.HDBSCAN (scikit-learn >= 1.3,
// which bookworm lacks) with --hdbscan-python, else no HDBSCAN reference.
// Needs the built workspace (pnpm build).
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { benchArgs } from "../args.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const viz = join(here, "..", "..", "packages", "viz", "dist", "index.js");
const reference = join(
  here,
  "..",
  "..",
  "packages",
  "viz",
  "test",
  "helpers",
  "sklearn_graph_cluster.py",
);

/** The seeded blobs (same generator as packages/viz/test/cluster.test.ts). */
async function blobs(n, d, k, seed) {
  const { seededRandom } = await import(viz);
  const random = seededRandom(seed);
  const g = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  const centres = Array.from({ length: k * d }, () => g() * 10);
  const x = new Float32Array(n * d);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) x[i * d + j] = centres[(i % k) * d + j] + g();
  }
  return x;
}

// Child mode: one of our cases; writes {seconds, labels (base64 Int32), info} to the file in
// argv[3] (a pipe would be cut short by the exit that stops the native thread pool).
if (process.argv[2] === "--child") {
  const [n, d, k, method, mcs, ms, knnK] = process.argv
    .slice(4)
    .map((v, i) => (i === 3 ? v : Number(v)));
  const x = await blobs(n, d, k, 1);
  const { agglomerative, hdbscan } = await import(viz);
  const start = performance.now();
  const r =
    method === "hdbscan"
      ? await hdbscan(x, [n, d], { minClusterSize: mcs, minSamples: ms, method: "knn", knn: knnK })
      : await agglomerative(x, [n, d], { k, linkage: method, method: "knn", knn: knnK });
  const seconds = (performance.now() - start) / 1000;
  const info =
    method === "hdbscan" ? { nClusters: r.nClusters, ...r.graph } : { components: r.components };
  const labels = Buffer.from(r.labels.buffer).toString("base64");
  writeFileSync(process.argv[3], JSON.stringify({ seconds, info, labels }));
  process.exit(0);
}

const values = benchArgs(import.meta.url, {
  sizes: { type: "string", default: "20000,200000" },
  "reference-max": { type: "string", default: "20000" },
  dims: { type: "string", default: "16" },
  blobs: { type: "string", default: "20" },
  methods: { type: "string", default: "hdbscan,ward,average" },
  knn: { type: "string", default: "15" },
  "min-cluster-size": { type: "string", default: "50" },
  "min-samples": { type: "string", default: "10" },
  "hdbscan-python": { type: "string" },
});
const d = Number(values.dims);
const k = Number(values.blobs);
const mcs = Number(values["min-cluster-size"]);
const ms = Number(values["min-samples"]);
const knnK = Number(values.knn);
const { adjustedRandIndex } = await import(viz);

/** Runs argv under /usr/bin/time -v: its stdout, peak RSS (MiB) and CPU seconds (user + sys). */
function measured(argv, input) {
  const timeFile = join(tmpdir(), `audiomap-bench-time-${process.pid}.txt`);
  const stdout = execFileSync(
    "bash",
    ["-c", `/usr/bin/time -v -o ${timeFile} "$@"`, "_", ...argv],
    { input, maxBuffer: 1 << 30 },
  ).toString();
  const report = readFileSync(timeFile, "utf8");
  const field = (name) => Number(report.split(`${name}: `)[1]?.split("\n")[0] ?? Number.NaN);
  return {
    stdout,
    rss: field("Maximum resident set size (kbytes)") / 1024,
    cpu: field("User time (seconds)") + field("System time (seconds)"),
  };
}

console.log(
  `clustering ${d}-D blobs (${k} blobs), knn=${knnK}, HDBSCAN min_cluster_size=${mcs} min_samples=${ms}; ${new Date().toISOString()}; 2 shared cores`,
);
console.log(
  "| n | method | ours s | ours CPU s | ours peak MiB | reference s | reference CPU s | reference peak MiB | time ratio (ref/ours) | ARI vs reference | ARI vs blobs | notes |",
);
console.log("|---|---|---|---|---|---|---|---|---|---|---|---|");
for (const n of values.sizes.split(",").map(Number)) {
  const truth = Int32Array.from({ length: n }, (_, i) => i % k);
  const x = n <= Number(values["reference-max"]) ? await blobs(n, d, k, 1) : null;
  for (const method of values.methods.split(",")) {
    const resultFile = join(tmpdir(), `audiomap-bench-cluster-${process.pid}.json`);
    const self = fileURLToPath(import.meta.url);
    const ours = measured(
      [process.execPath, self, "--child", resultFile, n, d, k, method, mcs, ms, knnK].map(String),
    );
    const o = JSON.parse(readFileSync(resultFile, "utf8"));
    const labels = new Int32Array(new Uint8Array(Buffer.from(o.labels, "base64")).buffer);
    let ref = null;
    const python =
      method === "hdbscan"
        ? values["hdbscan-python"]?.split(" ").filter(Boolean)
        : ["/usr/bin/python3"];
    if (x && python) {
      const job = method === "hdbscan" ? `hdbscan:${mcs}:${ms}` : `${method}:${k}:${knnK}`;
      const script = readFileSync(reference, "utf8");
      const r = measured(
        [...python, "-c", script, "-", n, d, job].map(String),
        Buffer.from(x.buffer),
      );
      ref = { ...JSON.parse(r.stdout)[job], rss: r.rss, cpu: r.cpu };
    }
    const cells = [
      n,
      method,
      o.seconds.toFixed(2),
      ours.cpu.toFixed(1),
      ours.rss.toFixed(0),
      ref ? ref.seconds.toFixed(2) : "–",
      ref ? ref.cpu.toFixed(1) : "–",
      ref ? ref.rss.toFixed(0) : "–",
      ref ? (ref.seconds / o.seconds).toFixed(2) : "–",
      ref ? adjustedRandIndex(ref.labels, labels).toFixed(4) : "–",
      adjustedRandIndex(truth, labels).toFixed(4),
      JSON.stringify(o.info).replaceAll('"', ""),
    ];
    console.log(`| ${cells.join(" | ")} |`);
  }
}
