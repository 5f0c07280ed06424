#!/usr/bin/env node
// k-means benchmark: audiomap's native k-means against scikit-learn in the same run, on the same
// Gaussian mixture, for several seeds (which local minimum k-means lands in depends on the
// k-means++ draws, on both sides, so one seed says little). Prints a row per seed and side, then
// the means (inertia, ARI vs the mixture's classes, ARI vs sklearn's labels, wall and CPU
// seconds) and the ratios audiomap/sklearn.
//   node bench/kmeans/run.mjs [--n 100000] [--d 768] [--k 14] [--n-init 3] [--seeds 0,...,9]
//                             [--minibatch] [--out /tmp/audiomap-bench]
// --minibatch compares miniBatchKmeans with MiniBatchKMeans (batch 1024, sklearn's defaults),
// for example --minibatch --n 1000000 --d 144 --k 50 --seeds 0,1,2. Peak RSS is reported per side
// (this Node process, which holds the data, and the Python process), and the Node process's RSS
// before its first fit.
// Needs the built workspace (pnpm build) and Debian's /usr/bin/python3 with python3-sklearn.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { benchArgs } from "../args.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const { adjustedRandIndex, kmeans, miniBatchKmeans } = await import(
  join(here, "..", "..", "packages", "viz", "dist", "index.js")
);
const values = benchArgs(import.meta.url, {
  n: { type: "string", default: "100000" },
  d: { type: "string", default: "768" },
  k: { type: "string", default: "14" },
  "n-init": { type: "string", default: "3" },
  seeds: { type: "string", default: "0,1,2,3,4,5,6,7,8,9" },
  minibatch: { type: "boolean", default: false },
  out: { type: "string", default: "/tmp/audiomap-bench" },
});
const [n, d, k, nInit] = ["n", "d", "k", "n-init"].map((key) => Number(values[key]));
const python = process.env.AUDIOMAP_PYTHON ?? "/usr/bin/python3";
const reference = join(here, "reference.py");
mkdirSync(values.out, { recursive: true });
const base = join(values.out, `kmeans-mixture-${n}x${d}-k${k}`);
if (!existsSync(`${base}.f32`)) {
  execFileSync(python, [reference, "data", String(n), String(d), String(k), base]);
}
const f32 = (p) => new Float32Array(new Uint8Array(readFileSync(p)).buffer);
const i32 = (p) => new Int32Array(new Uint8Array(readFileSync(p)).buffer);
const x = f32(`${base}.f32`);
const truth = i32(`${base}.i32`);

const algorithm = values.minibatch ? "mini-batch k-means" : "k-means (lloyd)";
const cluster = values.minibatch ? miniBatchKmeans : kmeans;
console.log(
  `${algorithm} ${n}×${d}, k=${k}, n_init=${nInit}; ${new Date().toISOString()}; ` +
    `node ${process.version} ${process.arch}; the machine's 2 cores were shared with other work`,
);
console.log(
  "| seed | implementation | seconds | CPU seconds | inertia | iterations | ARI vs classes | ARI vs sklearn |",
);
console.log("|---|---|---|---|---|---|---|---|");
const sums = { ours: [0, 0, 0, 0, 0], sklearn: [0, 0, 0, 0, 0] };
const seeds = values.seeds.split(",").map(Number);
// Load the addon and touch its code paths before anything is timed.
await cluster(x.subarray(0, 64 * d), [64, d], { k: 2, nInit: 1, seed: 0 });
const rssBefore = process.memoryUsage().rss;
for (const seed of seeds) {
  const cpu0 = process.cpuUsage();
  const t = performance.now();
  const ours = await cluster(x, [n, d], { k, nInit, seed });
  const seconds = (performance.now() - t) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const kind = values.minibatch ? "minibatch" : "kmeans";
  const sk = JSON.parse(
    execFileSync(python, [reference, kind, base, String(k), String(nInit), String(seed)], {
      encoding: "utf8",
    }),
  );
  const skLabels = i32(`${base}.sklearn-kmeans.i32`);
  const rows = [
    ["audiomap", "ours", seconds, (cpu.user + cpu.system) / 1e6, ours, ours.labels],
    ["sklearn", "sklearn", sk.seconds, sk.cpuSeconds, sk, skLabels],
  ];
  for (const [who, key, sec, cpuSec, r, labels] of rows) {
    const ari = adjustedRandIndex(truth, labels);
    const vsSklearn = adjustedRandIndex(skLabels, labels);
    const s = sums[key];
    s[0] += sec;
    s[1] += cpuSec;
    s[2] += r.inertia;
    s[3] += ari;
    s[4] += vsSklearn;
    console.log(
      `| ${seed} | ${who} | ${sec.toFixed(2)} | ${cpuSec.toFixed(2)} | ${r.inertia.toExponential(6)} | ${r.iterations} | ${ari.toFixed(4)} | ${vsSklearn.toFixed(4)} |`,
    );
  }
  sums.sklearnRss = Math.max(sums.sklearnRss ?? 0, sk.maxRssMiB);
}
const m = seeds.length;
const mean = (key, i) => sums[key][i] / m;
for (const key of ["ours", "sklearn"]) {
  console.log(
    `\nmean over ${m} seeds, ${key === "ours" ? "audiomap" : "sklearn"}: ${mean(key, 0).toFixed(2)} s ` +
      `(CPU ${mean(key, 1).toFixed(2)} s), inertia ${mean(key, 2).toExponential(6)}, ` +
      `ARI vs classes ${mean(key, 3).toFixed(4)}, ARI vs sklearn ${mean(key, 4).toFixed(4)}`,
  );
}
console.log(
  `ratios audiomap/sklearn: time ${(sums.ours[0] / sums.sklearn[0]).toFixed(3)}, ` +
    `CPU time ${(sums.ours[1] / sums.sklearn[1]).toFixed(3)}, mean inertia ` +
    `${(sums.ours[2] / sums.sklearn[2]).toFixed(6)}`,
);
console.log(
  `peak RSS: audiomap (node, data included) ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB ` +
    `(${(rssBefore / 2 ** 20).toFixed(0)} MiB before the first fit), ` +
    `sklearn (python, data included) ${sums.sklearnRss.toFixed(0)} MiB`,
);
