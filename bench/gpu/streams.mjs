#!/usr/bin/env node
// Step 7 of bench/gpu/run.sh: batches in flight and streams. The same end-to-end embed of the
// generated data set, in one process, three ways:
//   one model, 1 batch in flight;
//   one model, 2 batches in flight (the next batch packed and staged while one computes; the
//   GPU default);
//   two copies of the model on the same device, 1 in flight each: two CUDA streams (each
//   model has its own) with two batches computing at once.
// Reports throughput and how busy the model(s) were, and checks that every way writes the
// same embeddings (cosine per row against the first). One round each, in that order, after a
// warm-up: a first look, not a tuned figure.
// usage: node streams.mjs --tree DIR --device D --dtype T --model M --manifest CSV --work DIR
//                         --out streams.json
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { packages, readNpy, rowCosines, summary, warmUp } from "./lib.mjs";

const { values: a } = parseArgs({
  options: {
    tree: { type: "string" },
    device: { type: "string", default: "cuda" },
    dtype: { type: "string", default: "float16" },
    model: { type: "string" },
    manifest: { type: "string" },
    work: { type: "string" },
    out: { type: "string" },
  },
});
mkdirSync(a.work, { recursive: true });
const { core, embeddings: emb } = await packages(a.tree);
const load = () => core.loadModel(a.model, { device: a.device, dtype: a.dtype });
const model = await load();
const copy = await load();
await warmUp(model);
await warmUp(copy);
const batchSeconds = a.device === "cpu" ? 30 : 300;
const ways = [
  { name: "1 model, 1 batch in flight", replicas: [], batchesInFlight: 1 },
  { name: "1 model, 2 batches in flight", replicas: [], batchesInFlight: 2 },
  { name: "2 copies (2 streams), 1 batch in flight each", replicas: [copy], batchesInFlight: 1 },
];
const runs = [];
for (const [i, way] of ways.entries()) {
  const output = join(a.work, `way-${i}.npy`);
  const s = await emb.runEmbedding(model, await emb.openDataset(a.manifest, { kind: "manifest" }), {
    decode: emb.decodeAudio,
    output,
    batchSeconds,
    replicas: way.replicas,
    batchesInFlight: way.batchesInFlight,
    decodeConcurrency: 4,
  });
  const row = { name: way.name, ...summary(s, emb.modelBusyShare) };
  if (i > 0) row.cosineToFirst = rowCosines(readNpy(output), readNpy(join(a.work, "way-0.npy")));
  console.log(JSON.stringify(row));
  runs.push(row);
}
model.dispose();
copy.dispose();
const base = runs[0].audioSecPerSec;
for (const r of runs) r.ratioToFirst = r.audioSecPerSec / base;
const result = { device: a.device, dtype: a.dtype, batchSeconds, runs };
writeFileSync(a.out, JSON.stringify(result, null, 1));
const bad = runs.filter((r) => r.failed > 0 || (r.cosineToFirst && r.cosineToFirst.min < 0.999));
if (bad.length > 0) {
  console.error(
    `ways that failed clips or changed the embeddings: ${bad.map((r) => r.name).join("; ")}`,
  );
  process.exit(1);
}
