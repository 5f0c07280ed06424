#!/usr/bin/env node
// Step 5 of bench/gpu/run.sh: end-to-end `embed` of the generated data set (decode, resample,
// batch, forward, Parquet write: runEmbedding) against pure model.forward replaying the same
// batches with the audio made before timing, each in a fresh process (bench/embed/worker.mjs
// of the kit's tree). The ratio is the "end-to-end ÷ pure model throughput" (>= 0.9).
// usage: node embed.mjs --tree DIR --device D --dtype T --model M --manifest CSV --threads N
//                       --work DIR --out embed.json [--batch-seconds S]
import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";

const { values: a } = parseArgs({
  options: {
    tree: { type: "string" },
    device: { type: "string", default: "cuda" },
    dtype: { type: "string", default: "float16" },
    model: { type: "string" },
    manifest: { type: "string" },
    threads: { type: "string", default: "0" },
    work: { type: "string" },
    out: { type: "string" },
    "batch-seconds": { type: "string" },
  },
});
mkdirSync(a.work, { recursive: true });
const gpu = a.device !== "cpu";
const common = {
  model: a.model,
  device: a.device,
  dtype: a.dtype,
  threads: Number(a.threads),
  // A GPU batch of the large model is tens of milliseconds at 30 s of audio: a larger budget
  // keeps the device busy (docs/benchmarks.md); on the CPU embed's default.
  batchSeconds: Number(a["batch-seconds"] ?? (gpu ? 300 : 30)),
  decodeConcurrency: gpu ? Math.max(2, Math.min(8, availableParallelism() >> 1)) : 2,
};
const worker = (mode, options) =>
  JSON.parse(
    execFileSync(
      process.execPath,
      [join(a.tree, "bench/embed/worker.mjs"), mode, JSON.stringify({ ...common, ...options })],
      { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"], maxBuffer: 1 << 24 },
    )
      .trim()
      .split("\n")
      .pop(),
  );
const batches = join(a.work, "batches.json");
const e2e = worker("embed", {
  manifest: a.manifest,
  output: join(a.work, "e2e.parquet"),
  batchesOut: batches,
});
const forward = worker("forward", { batches });
const result = {
  options: common,
  e2e,
  forward,
  ratio: e2e.audioSecPerSec / forward.audioSecPerSec,
};
console.log(JSON.stringify(result));
writeFileSync(a.out, JSON.stringify(result, null, 1));
if (e2e.failed > 0 || e2e.ok === 0) {
  console.error(`embed wrote ${e2e.ok} rows and failed ${e2e.failed} clips`);
  process.exit(1);
}
