#!/usr/bin/env node
// Recall@k of knn(method "hnsw") and of pynndescent 0.5 (umap-learn's kNN) against exact
// neighbours, with the time of each, all in the same run:
//   node bench/umap/recall.mjs [--n 100000] [--data mixture|lowrank] [--k 15] [--sample 2000]
//                              [--no-exact] [--no-pynndescent] [--out /tmp/audiomap-bench]
// Data: bench/umap/reference.py ("mixture": 14 isotropic Gaussian classes in 768-d; "lowrank":
// rank 32 + small noise in 768-d), generated on first use. Recall is measured on `--sample`
// seeded random rows against their exact neighbours (float64 brute force over all rows, by
// reference.py); "exact" also times the full native exact graph unless --no-exact.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { benchArgs } from "../args.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const viz = await import(join(here, "..", "..", "packages", "viz", "dist", "index.js"));
const values = benchArgs(import.meta.url, {
  n: { type: "string", default: "100000" },
  k: { type: "string", default: "15" },
  data: { type: "string", default: "mixture" },
  sample: { type: "string", default: "2000" },
  "no-exact": { type: "boolean", default: false },
  "no-pynndescent": { type: "boolean", default: false },
  out: { type: "string", default: "/tmp/audiomap-bench" },
});
const python = process.env.AUDIOMAP_PYTHON ?? "/usr/bin/python3";
const k = Number(values.k);
mkdirSync(values.out, { recursive: true });
const name = `${values.data}-${values.n}`;
const base = join(values.out, name);
if (!existsSync(`${base}.f32`)) {
  execFileSync(python, [join(here, "reference.py"), "data", values.data, values.n, values.out]);
  for (const ext of ["f32", "i32", "json"]) {
    renameSync(join(values.out, `${values.data}.${ext}`), `${base}.${ext}`);
  }
}
const shape = JSON.parse(readFileSync(`${base}.json`, "utf8")).shape;
const x = new Float32Array(new Uint8Array(readFileSync(`${base}.f32`)).buffer);
const rows = Number(values.sample);
const truthFile = `${base}.truth-${rows}-${k}.json`;
if (!existsSync(truthFile)) {
  const out = execFileSync(python, [
    join(here, "reference.py"),
    "truth",
    base,
    String(rows),
    String(k),
  ]);
  writeFileSync(truthFile, out);
}
const truth = JSON.parse(readFileSync(truthFile, "utf8"));

/** Recall@k of the lists `indices` ([n, k]) on the sampled rows. */
function recall(indices) {
  let hits = 0;
  truth.rows.forEach((row, s) => {
    const set = new Set(truth.neighbours[s]);
    for (const j of indices.subarray(row * k, (row + 1) * k)) if (set.has(j)) hits++;
  });
  return hits / (truth.rows.length * k);
}

const results = [];
async function time(label, fn) {
  const t = performance.now();
  const indices = await fn();
  const seconds = (performance.now() - t) / 1000;
  results.push({ method: label, seconds, recall: recall(indices) });
}
if (!values["no-exact"]) await time("exact", async () => (await viz.knn(x, shape, { k })).indices);
await time("hnsw", async () => (await viz.knn(x, shape, { k, method: "hnsw" })).indices);
if (!values["no-pynndescent"]) {
  // pynndescent as umap-learn calls it (n_trees/n_iters from its defaults), in a fresh process;
  // the time excludes the import but includes numba's compilation on first use.
  const out = execFileSync(python, [join(here, "reference.py"), "nndescent", base, String(k)], {
    maxBuffer: 1 << 30,
  });
  const seconds = JSON.parse(out.toString().split("\n")[0]).seconds;
  const indices = new Int32Array(new Uint8Array(readFileSync(`${base}.nnd.i32`)).buffer);
  results.push({ method: "pynndescent", seconds, recall: recall(indices) });
}
const ref = results.find((r) => r.method === "exact")?.seconds;
console.log(
  `${name} ${shape[0]}×${shape[1]} k=${k}, recall on ${rows} rows, ${cpus().length} cores`,
);
for (const r of results) {
  const ratio = ref ? `  (${(r.seconds / ref).toFixed(2)}× exact)` : "";
  console.log(
    `  ${r.method.padEnd(12)} ${r.seconds.toFixed(1).padStart(7)} s  recall@${k} ${r.recall.toFixed(4)}${ratio}`,
  );
}
