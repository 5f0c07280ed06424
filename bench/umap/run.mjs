#!/usr/bin/env node
// UMAP benchmark: audiomap's umap (native exact/approx kNN + native layout SGD) against
// Debian's umap-learn 0.5.3 with the same parameters, in the same run. umap-learn runs in a
// fresh Python process, so its time includes numba's JIT compilation.
//   node bench/umap/run.mjs                       # 10,000 × 768 mixture and sklearn digits
//   node bench/umap/run.mjs --large               # adds 50,000 × 768 (both) and 100,000 × 768
//   node bench/umap/run.mjs --sizes 20000 --no-reference
//   node bench/umap/run.mjs --engine fast        # the JavaScript layout engine instead
// Reports wall time, trustworthiness (k = 15) and leave-one-out 5-NN accuracy in 2-D, all
// scored by the same code for both layouts.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, renameSync } from "node:fs";
import { cpus } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { benchArgs } from "../args.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const viz = await import(join(here, "..", "..", "packages", "viz", "dist", "index.js"));
const values = benchArgs(import.meta.url, {
  large: { type: "boolean", default: false },
  sizes: { type: "string" },
  "no-digits": { type: "boolean", default: false },
  "no-reference": { type: "boolean", default: false },
  "reference-max": { type: "string", default: "50000" },
  "n-neighbors": { type: "string", default: "15" },
  "min-dist": { type: "string", default: "0.1" },
  metric: { type: "string", default: "euclidean" },
  seed: { type: "string", default: "42" },
  knn: { type: "string", default: "auto" },
  engine: { type: "string", default: "native" },
  out: { type: "string", default: "/tmp/audiomap-bench" },
});
const python = process.env.AUDIOMAP_PYTHON ?? "/usr/bin/python3";
const nNeighbors = Number(values["n-neighbors"]);
const minDist = Number(values["min-dist"]);
const seed = Number(values.seed);
mkdirSync(values.out, { recursive: true });

const sizes = values.sizes
  ? values.sizes.split(",").map(Number)
  : values.large
    ? [10_000, 50_000, 100_000]
    : [10_000];
const sets = sizes.map((n) => ({ name: `mixture-${n}`, kind: "mixture", n }));
if (!values["no-digits"]) sets.push({ name: "digits", kind: "digits", n: 1797 });

const f32 = (p) => new Float32Array(new Uint8Array(readFileSync(p)).buffer);
const i32 = (p) => new Int32Array(new Uint8Array(readFileSync(p)).buffer);

function load(set) {
  const base = join(values.out, set.name);
  if (!existsSync(`${base}.f32`)) {
    execFileSync(python, [join(here, "reference.py"), "data", set.kind, String(set.n), values.out]);
    for (const ext of ["f32", "i32", "json"]) {
      renameSync(join(values.out, `${set.kind}.${ext}`), `${base}.${ext}`);
    }
  }
  const shape = JSON.parse(readFileSync(`${base}.json`, "utf8")).shape;
  return { base, x: f32(`${base}.f32`), y: i32(`${base}.i32`), shape };
}

/** Leave-one-out 5-NN accuracy in the layout (majority vote; ties go to the nearer label). */
async function knnAccuracy(emb, n, y) {
  const g = await viz.knn(emb, [n, 2], { k: 5 });
  let hits = 0;
  for (let i = 0; i < n; i++) {
    const votes = new Map();
    let best = -1;
    let bestVotes = 0;
    for (let j = 0; j < 5; j++) {
      const label = y[g.indices[i * 5 + j]];
      const v = (votes.get(label) ?? 0) + 1;
      votes.set(label, v);
      if (v > bestVotes) {
        bestVotes = v;
        best = label;
      }
    }
    if (best === y[i]) hits++;
  }
  return hits / n;
}

async function score(x, shape, emb, y) {
  const n = shape[0];
  // Exact trustworthiness is O(n² d); above 10,000 points it is averaged over 5,000 points.
  const sampleSize = n > 10_000 ? 5_000 : undefined;
  const trust = await viz.trustworthiness(x, shape, emb, [n, 2], {
    nNeighbors: 15,
    metric: values.metric,
    ...(sampleSize && { sampleSize, seed: 1 }),
  });
  return { trust, acc: await knnAccuracy(emb, n, y), sampled: Boolean(sampleSize) };
}

console.log(
  `UMAP benchmark — ${new Date().toISOString()} — ${cpus().length}× ${cpus()[0]?.model ?? "cpu"}`,
);
console.log(
  `nNeighbors=${nNeighbors} minDist=${minDist} metric=${values.metric} seed=${seed} ` +
    `knn=${values.knn} engine=${values.engine}`,
);
console.log(
  "| data | implementation | wall s | kNN s | layout s | trustworthiness@15 | 5-NN acc |",
);
console.log("|---|---|---|---|---|---|---|");
for (const set of sets) {
  const { base, x, y, shape } = load(set);
  const label = `${set.name} (${shape[0]}×${shape[1]})`;
  const t0 = performance.now();
  const ours = await viz.umap(x, shape, {
    nNeighbors,
    minDist,
    metric: values.metric,
    seed,
    knn: values.knn,
    engine: values.engine,
  });
  const wall = (performance.now() - t0) / 1000;
  const s = await score(x, shape, ours.embedding, y);
  const star = s.sampled ? "*" : "";
  console.log(
    `| ${label} | audiomap | ${wall.toFixed(1)} | ${ours.timings.knn.toFixed(1)} | ${ours.timings.layout.toFixed(1)} | ${s.trust.toFixed(4)}${star} | ${s.acc.toFixed(4)} |`,
  );
  if (values["no-reference"] || shape[0] > Number(values["reference-max"])) continue;
  const ref = JSON.parse(
    execFileSync(
      python,
      [
        join(here, "reference.py"),
        "umap",
        base,
        String(nNeighbors),
        String(minDist),
        values.metric,
        String(seed),
      ],
      { encoding: "utf8" },
    )
      .trim()
      .split("\n")
      .pop(),
  );
  const r = await score(x, shape, f32(`${base}.umap-learn.f32`), y);
  console.log(
    `| ${label} | umap-learn 0.5.3 | ${ref.seconds.toFixed(1)} | | | ${r.trust.toFixed(4)}${star} | ${r.acc.toFixed(4)} |`,
  );
}
console.log("* trustworthiness averaged over 5,000 sampled points (each ranked against all n).");
