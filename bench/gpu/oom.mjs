#!/usr/bin/env node
// Step 6 of bench/gpu/run.sh: the out-of-memory split (issue 5). `embed` with an oversized
// batch budget (3 600 s of audio, up to 512 clips a batch) must split batches that do not fit,
// lower its budget, and still write every clip, with the same embeddings as a run at embed's
// default budget.
// On a GPU, a helper Python process first takes all but --keep-gib GiB of the device's free
// memory (plain torch allocations), so the split happens at a size that fits this script's
// time budget rather than at H200 scale. With --device cpu (the CI dry run) nothing can run out
// of memory safely: the model is wrapped so that any call over --simulate-seconds of padded
// audio fails with ERR_OUT_OF_MEMORY, as LibTorch's allocator would; the report says
// "simulated".
// usage: node oom.mjs --tree DIR --device D --dtype T --model M --manifest CSV --python PY
//                     --work DIR --out oom.json [--keep-gib 6] [--simulate-seconds 60]
import { spawn } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { parseArgs } from "node:util";
import { packages, readNpy, rowCosines, summary, warmUp } from "./lib.mjs";

const { values: a } = parseArgs({
  options: {
    tree: { type: "string" },
    device: { type: "string", default: "cuda" },
    dtype: { type: "string", default: "float16" },
    model: { type: "string" },
    manifest: { type: "string" },
    python: { type: "string", default: "python3" },
    work: { type: "string" },
    out: { type: "string" },
    "keep-gib": { type: "string", default: "6" },
    "simulate-seconds": { type: "string", default: "60" },
  },
});
mkdirSync(a.work, { recursive: true });
const { core, embeddings: emb } = await packages(a.tree);
const model = await core.loadModel(a.model, { device: a.device, dtype: a.dtype });
await warmUp(model);
const embed = async (runner, output, batchSeconds, maxBatch) =>
  emb.runEmbedding(runner, await emb.openDataset(a.manifest, { kind: "manifest" }), {
    decode: emb.decodeAudio,
    output,
    batchSeconds,
    maxBatch,
  });

const reference = await embed(model, join(a.work, "reference.npy"), 30, 64);
const simulated = a.device === "cpu";
let runner = model;
let hog;
let hogInfo = null;
if (simulated) {
  const limit = Number(a["simulate-seconds"]) * model.info.samplingRate;
  runner = {
    info: model.info,
    device: model.device,
    forward(input, options) {
      if (input.batch * input.length > limit)
        return Promise.reject(
          Object.assign(new Error(`simulated out of memory (${input.batch} x ${input.length})`), {
            code: "ERR_OUT_OF_MEMORY",
          }),
        );
      return model.forward(input, options);
    },
  };
} else {
  // Takes the device's free memory but --keep-gib, holds it until its stdin closes.
  hog = spawn(
    a.python,
    [
      "-c",
      `import sys, torch
free, total = torch.cuda.mem_get_info()
keep = int(float(sys.argv[1]) * 2**30)
x = torch.empty(max(0, free - keep), dtype=torch.uint8, device="cuda")
print(f"ready {free} {x.numel()} {total}", flush=True)
sys.stdin.read()`,
      a["keep-gib"],
    ],
    { stdio: ["pipe", "pipe", "inherit"] },
  );
  const line = await new Promise((resolve, reject) => {
    hog.on("exit", (code) => reject(new Error(`the memory-taking helper exited (${code})`)));
    createInterface({ input: hog.stdout }).once("line", resolve);
  });
  const [, free, taken, total] = line.split(" ").map(Number);
  hogInfo = {
    freeBytes: free,
    takenBytes: taken,
    totalBytes: total,
    keptGiB: Number(a["keep-gib"]),
  };
  console.log(
    `helper holds ${(taken / 2 ** 30).toFixed(1)} GiB of ${(free / 2 ** 30).toFixed(1)} GiB free`,
  );
}
let oversized;
try {
  oversized = await embed(runner, join(a.work, "oversized.npy"), 3600, 512);
} finally {
  hog?.stdin.end();
  hog?.kill();
}
model.dispose();
const agreement = rowCosines(
  readNpy(join(a.work, "oversized.npy")),
  readNpy(join(a.work, "reference.npy")),
);
const result = {
  simulated,
  ...(simulated && { simulatedLimitSeconds: Number(a["simulate-seconds"]) }),
  memoryHelper: hogInfo,
  requestedBatchSeconds: 3600,
  maxBatch: 512,
  reference: summary(reference, emb.modelBusyShare),
  oversized: summary(oversized, emb.modelBusyShare),
  cosineToReference: agreement,
};
console.log(JSON.stringify(result));
writeFileSync(a.out, JSON.stringify(result, null, 1));
const problems = [];
if (oversized.oomSplits < 1) problems.push("no batch was split: nothing ran out of memory");
if (oversized.failed > 0 || oversized.ok !== reference.ok)
  problems.push(`rows: ${oversized.ok} ok, ${oversized.failed} failed; reference ${reference.ok}`);
if (!(oversized.finalBatchSeconds < 3600)) problems.push("the batch budget was not lowered");
if (agreement.min < 0.999)
  problems.push(`embeddings differ from the reference (cosine ${agreement.min})`);
if (problems.length > 0) {
  console.error(problems.join("; "));
  process.exit(1);
}
