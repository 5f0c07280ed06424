#!/usr/bin/env node
// UMAP benchmark: audiomap's umap (native exact/hnsw kNN + native layout SGD) against
// Debian's umap-learn 0.5.3 with the same parameters, in the same run. umap-learn runs in a
// fresh Python process, so its time includes numba's JIT compilation.
//   node bench/umap/run.mjs                       # 10,000 × 768 mixture and sklearn digits
//   node bench/umap/run.mjs --large               # adds 50,000 × 768 (both) and 100,000 × 768
//   node bench/umap/run.mjs --sizes 20000 --no-reference
//   node bench/umap/run.mjs --engine fast        # the JavaScript layout engine instead
// At scale (issue 19 §2-3; one size per run, so that the peak RSS is that size's):
//   node bench/umap/run.mjs --sizes 200000 --no-digits --fit-sample 20000 --compare-threads \
//     --reference-mode both --reference-max 200000
//   node bench/umap/run.mjs --sizes 1000000 --dim 144 --no-digits --no-full --fit-sample 50000
// --fit-sample N adds a fit on N sampled rows + transform of the rest; --compare-threads adds
// the full fit with the multi-threaded (Hogwild) SGD; --reference-mode warm|both times
// umap-learn after a 2,000-row warm-up fit in the same process (cold = a fresh process).
// Reports wall time, per-stage times, trustworthiness (k = 15), leave-one-out 5-NN accuracy in
// 2-D (all scored by the same code for every layout) and the process's peak RSS so far.
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
  threads: { type: "string", default: "1" },
  "fit-sample": { type: "string" },
  "compare-threads": { type: "boolean", default: false },
  "no-full": { type: "boolean", default: false },
  dim: { type: "string", default: "768" },
  "reference-mode": { type: "string", default: "cold" },
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
const kind = values.dim === "144" ? "mixture144" : "mixture";
if (!["768", "144"].includes(values.dim)) throw new Error("--dim must be 768 or 144");
const sets = sizes.map((n) => ({ name: `${kind}-${n}`, kind, n }));
const peakRss = () => (process.resourceUsage().maxRSS / 2 ** 20).toFixed(1); // KiB -> GiB
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
  "| data | implementation | wall s | kNN s | graph s | SGD s | transform s | trustworthiness@15 | 5-NN acc | peak RSS GiB |",
);
console.log("|---|---|---|---|---|---|---|---|---|---|");
const f = (v) => (v === undefined ? "" : v.toFixed(1));
for (const set of sets) {
  const { base, x, y, shape } = load(set);
  const label = `${set.name} (${shape[0]}×${shape[1]})`;
  const knnUsed = (rows) => viz.resolveKnnMethod(values.knn, rows);
  const runs = [];
  if (!values["no-full"]) runs.push({ name: "", threads: Number(values.threads) });
  if (values["compare-threads"] && !values["no-full"]) runs.push({ name: "", threads: 0 });
  if (values["fit-sample"]) {
    runs.push({
      name: "",
      threads: Number(values.threads),
      fitSample: Number(values["fit-sample"]),
    });
  }
  let trustFull;
  for (const run of runs) {
    const t0 = performance.now();
    const ours = await viz.umap(x, shape, {
      nNeighbors,
      minDist,
      metric: values.metric,
      seed,
      knn: values.knn,
      engine: values.engine,
      threads: run.threads,
      ...(run.fitSample && { fitSample: run.fitSample }),
    });
    const wall = (performance.now() - t0) / 1000;
    const rss = peakRss();
    const s = await score(x, shape, ours.embedding, y);
    const star = s.sampled ? "*" : "";
    const t = ours.timings;
    const what = run.fitSample
      ? `audiomap fit ${run.fitSample} (kNN ${knnUsed(run.fitSample)}) + transform`
      : `audiomap (kNN ${knnUsed(shape[0])}, SGD threads ${run.threads || "all"})`;
    if (!run.fitSample && run.threads === Number(values.threads)) trustFull = s.trust;
    const delta =
      run.fitSample && trustFull !== undefined ? ` (Δ ${(s.trust - trustFull).toFixed(4)})` : "";
    console.log(
      `| ${label} | ${what} | ${wall.toFixed(1)} | ${f(t.knn)} | ${f(t.graph)} | ${f(t.sgd)} | ${f(t.transform)} | ${s.trust.toFixed(4)}${star}${delta} | ${s.acc.toFixed(4)} | ${rss} |`,
    );
  }
  if (values["no-reference"] || shape[0] > Number(values["reference-max"])) continue;
  const mode = values["reference-mode"];
  for (const warm of mode === "both" ? [false, true] : [mode === "warm"]) {
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
          ...(warm ? ["warm"] : []),
        ],
        { encoding: "utf8", maxBuffer: 1 << 26 },
      )
        .trim()
        .split("\n")
        .pop(),
    );
    const r = await score(x, shape, f32(`${base}.umap-learn.f32`), y);
    const star = r.sampled ? "*" : "";
    console.log(
      `| ${label} | umap-learn 0.5.3 ${warm ? "warm" : "cold"} (pynndescent) | ${ref.seconds.toFixed(1)} | | | | | ${r.trust.toFixed(4)}${star} | ${r.acc.toFixed(4)} | ${ref.peakRssGiB.toFixed(1)} |`,
    );
  }
}
console.log("* trustworthiness averaged over 5,000 sampled points (each ranked against all n).");
