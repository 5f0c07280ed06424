#!/usr/bin/env node
// Recall of knn(method "approx") against the exact neighbours, and the time of each:
//   node bench/umap/recall.mjs [--n 10000] [--k 15] [--out /tmp/audiomap-bench]
// Uses the same mixture data as bench/umap/run.mjs (generated on first use).
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, renameSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { benchArgs } from "../args.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const viz = await import(join(here, "..", "..", "packages", "viz", "dist", "index.js"));
const values = benchArgs(import.meta.url, {
  n: { type: "string", default: "10000" },
  k: { type: "string", default: "15" },
  data: { type: "string", default: "mixture" },
  out: { type: "string", default: "/tmp/audiomap-bench" },
});
const python = process.env.AUDIOMAP_PYTHON ?? "/usr/bin/python3";
const k = Number(values.k);
mkdirSync(values.out, { recursive: true });
const name = values.data === "digits" ? "digits" : `mixture-${values.n}`;
const base = join(values.out, name);
if (!existsSync(`${base}.f32`)) {
  execFileSync(python, [join(here, "reference.py"), "data", values.data, values.n, values.out]);
  for (const ext of ["f32", "i32", "json"]) {
    renameSync(join(values.out, `${values.data}.${ext}`), `${base}.${ext}`);
  }
}
const shape = JSON.parse(readFileSync(`${base}.json`, "utf8")).shape;
const x = new Float32Array(new Uint8Array(readFileSync(`${base}.f32`)).buffer);
let t = performance.now();
const exact = await viz.knn(x, shape, { k, method: "exact" });
const exactS = (performance.now() - t) / 1000;
t = performance.now();
const approx = await viz.knn(x, shape, { k, method: "approx" });
const approxS = (performance.now() - t) / 1000;
let hits = 0;
for (let i = 0; i < shape[0]; i++) {
  const truth = new Set(exact.indices.subarray(i * k, (i + 1) * k));
  for (const j of approx.indices.subarray(i * k, (i + 1) * k)) if (truth.has(j)) hits++;
}
console.log(
  `${name} ${shape[0]}×${shape[1]} k=${k}: exact ${exactS.toFixed(1)} s, approx ${approxS.toFixed(1)} s, recall@${k} ${(hits / (shape[0] * k)).toFixed(4)}`,
);
