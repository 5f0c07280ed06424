#!/usr/bin/env node
// k-means benchmark: audiomap's native k-means against scikit-learn's KMeans (lloyd, same
// n_init) on the same data, in the same run, for several seeds (which local minimum k-means
// lands in depends on the k-means++ draws, on both sides). One command:
//   node bench/kmeans/run.mjs [--n 100000] [--k 14] [--n-init 3] [--seeds 0,1,2]
//                             [--out /tmp/audiomap-bench]
// Needs the built workspace (pnpm build) and Debian's /usr/bin/python3 with python3-sklearn.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { benchArgs } from "../args.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const { adjustedRandIndex, kmeans } = await import(
  join(here, "..", "..", "packages", "viz", "dist", "index.js")
);
const values = benchArgs(import.meta.url, {
  n: { type: "string", default: "100000" },
  k: { type: "string", default: "14" },
  "n-init": { type: "string", default: "3" },
  seeds: { type: "string", default: "0,1,2" },
  out: { type: "string", default: "/tmp/audiomap-bench" },
});
const n = Number(values.n);
const k = Number(values.k);
const nInit = Number(values["n-init"]);
const python = process.env.AUDIOMAP_PYTHON ?? "/usr/bin/python3";
mkdirSync(values.out, { recursive: true });
const name = `mixture-${n}`;
const base = join(values.out, name);
if (!existsSync(`${base}.f32`)) {
  execFileSync(python, [
    join(here, "..", "umap", "reference.py"),
    "data",
    "mixture",
    String(n),
    values.out,
  ]);
  for (const ext of ["f32", "i32", "json"]) {
    execFileSync("mv", [join(values.out, `mixture.${ext}`), `${base}.${ext}`]);
  }
}
const f32 = (p) => new Float32Array(new Uint8Array(readFileSync(p)).buffer);
const i32 = (p) => new Int32Array(new Uint8Array(readFileSync(p)).buffer);
const x = f32(`${base}.f32`);
const truth = i32(`${base}.i32`);
const d = x.length / n;

console.log(`k-means ${n}×${d}, k=${k}, n_init=${nInit} (machine: ${process.arch}, cores shared)`);
console.log("| seed | implementation | seconds | inertia | iterations | ARI vs classes |");
console.log("|---|---|---|---|---|---|");
const totals = { ours: [0, 0], sklearn: [0, 0] };
const seeds = values.seeds.split(",").map(Number);
for (const seed of seeds) {
  const t = performance.now();
  const ours = await kmeans(x, [n, d], { k, nInit, seed });
  const oursSeconds = (performance.now() - t) / 1000;
  const sk = JSON.parse(
    execFileSync(
      python,
      [join(here, "reference.py"), base, String(k), String(nInit), String(seed)],
      {
        encoding: "utf8",
      },
    ),
  );
  const skLabels = i32(`${base}.sklearn-kmeans.i32`);
  const rows = [
    [
      "audiomap kmeans",
      "ours",
      oursSeconds,
      ours.inertia,
      ours.iterations,
      adjustedRandIndex(truth, ours.labels),
    ],
    [
      "sklearn KMeans",
      "sklearn",
      sk.seconds,
      sk.inertia,
      sk.iterations,
      adjustedRandIndex(truth, skLabels),
    ],
  ];
  for (const [who, key, sec, inertia, it, ari] of rows) {
    totals[key][0] += sec;
    totals[key][1] += ari;
    console.log(
      `| ${seed} | ${who} | ${sec.toFixed(2)} | ${inertia.toExponential(6)} | ${it} | ${ari.toFixed(4)} |`,
    );
  }
}
const m = seeds.length;
console.log(
  `\nmean over ${m} seeds: audiomap ${(totals.ours[0] / m).toFixed(2)} s, ARI ${(totals.ours[1] / m).toFixed(4)}; ` +
    `sklearn ${(totals.sklearn[0] / m).toFixed(2)} s, ARI ${(totals.sklearn[1] / m).toFixed(4)}; ` +
    `time ratio audiomap/sklearn ${(totals.ours[0] / totals.sklearn[0]).toFixed(3)}`,
);
