// One measured run in its own process (so peak RSS is this run's alone).
// usage: node worker.mjs <mode> <json options>; prints one JSON line.
//   mode "embed":   runEmbedding over a manifest, end to end (decode, resample, batch, forward, write).
//   mode "forward": replays recorded batch shapes through model.forward only, audio pre-made.
import { readFileSync } from "node:fs";

const { loadModel, setThreads } = await import(
  new URL("../../packages/core-native/dist/index.js", import.meta.url).href
);
const { decodeAudio, defaultBatchesInFlight, modelBusyShare, openDataset, runEmbedding } =
  await import(new URL("../../packages/embeddings/dist/index.js", import.meta.url).href);

const [mode, json] = process.argv.slice(2);
const o = JSON.parse(json);
if (o.threads) setThreads(o.threads);
const model = await loadModel(o.model, {
  device: o.device ?? "cpu",
  dtype: o.dtype ?? "float32",
  threads: o.threads ?? 0,
});

// Warm-up: the TorchScript profiling executor is slow for its first calls.
for (const len of [16000, 48000]) {
  for (let i = 0; i < 3; i++) {
    await model.forward(
      { audio: new Float32Array(2 * len).fill(0.01), batch: 2, length: len, lengths: [len, len] },
      { outputs: ["pooled"], layers: [-1] },
    );
  }
}

if (mode === "embed") {
  const batches = [];
  // Time with at least one forward call in flight (embed keeps two in flight per model, so
  // per-call times would count the overlap twice).
  let forwardSec = 0;
  let active = 0;
  let busySince = 0;
  const timed = {
    info: model.info,
    async forward(input, options) {
      if (active++ === 0) busySince = performance.now();
      batches.push([input.batch, input.length, Array.from(input.lengths)]);
      try {
        return await model.forward(input, options);
      } finally {
        if (--active === 0) forwardSec += (performance.now() - busySince) / 1000;
      }
    },
  };
  const ds = await openDataset(o.manifest, { kind: "manifest" });
  const t0 = performance.now();
  const s = await runEmbedding(timed, ds, {
    decode: decodeAudio,
    output: o.output,
    batchSeconds: o.batchSeconds,
    decodeConcurrency: o.decodeConcurrency,
    batchesInFlight: o.batchesInFlight,
  });
  const wall = (performance.now() - t0) / 1000;
  if (o.batchesOut) (await import("node:fs")).writeFileSync(o.batchesOut, JSON.stringify(batches));
  console.log(
    JSON.stringify({
      mode,
      ok: s.ok,
      failed: s.failed,
      audioSec: s.audioSec,
      wallSec: wall,
      audioSecPerSec: s.audioSec / wall,
      forwardSec,
      modelSec: s.modelSec,
      modelIdleSec: s.modelIdleSec,
      modelBusy: modelBusyShare(s),
      paddingEfficiency: s.paddingEfficiency,
      batches: batches.length,
      maxRssMiB: process.resourceUsage().maxRSS / 1024,
    }),
  );
} else {
  const batches = JSON.parse(readFileSync(o.batches, "utf8"));
  // Same shapes and valid lengths as the end-to-end run; the model's cost does not depend on
  // the sample values, so seeded noise stands in for the decoded audio (made before timing).
  let seed = 1;
  const inputs = batches.map(([batch, length, lengths]) => {
    const audio = new Float32Array(batch * length);
    for (let i = 0; i < audio.length; i++) {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      audio[i] = seed / 2147483648 - 0.5;
    }
    return { audio, batch, length, lengths };
  });
  let audioSamples = 0;
  for (const b of batches) for (const l of b[2]) audioSamples += l;
  // As many calls in flight as embed keeps (2 on a GPU, 1 on the CPU by default).
  const depth = o.batchesInFlight ?? defaultBatchesInFlight(model.device);
  const options = { outputs: ["pooled"], layers: [-1], pool: "mean" };
  const t0 = performance.now();
  const inFlight = [];
  let modelSec = 0;
  let modelIdleSec = 0;
  const timed = (r) => {
    modelSec += r.timing.runMs / 1000;
    modelIdleSec += (r.timing.idleBeforeMs ?? 0) / 1000;
  };
  for (const input of inputs) {
    inFlight.push(model.forward(input, options).then(timed));
    if (inFlight.length >= depth) await inFlight.shift();
  }
  await Promise.all(inFlight);
  const wall = (performance.now() - t0) / 1000;
  const audioSec = audioSamples / model.info.samplingRate;
  console.log(
    JSON.stringify({
      mode,
      audioSec,
      wallSec: wall,
      audioSecPerSec: audioSec / wall,
      modelSec,
      modelIdleSec,
      modelBusy: modelBusyShare({ modelSec, modelIdleSec }),
      batches: batches.length,
    }),
  );
}
model.dispose();
