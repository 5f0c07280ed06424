// One measured run in its own process (so peak RSS is this run's alone).
// usage: node worker.mjs <mode> <json options>; prints one JSON line.
//   mode "embed":   runEmbedding over a manifest, end to end (decode, resample, batch, forward, write).
//   mode "forward": replays recorded batch shapes through model.forward only, audio pre-made.
import { readFileSync } from "node:fs";

const { loadModel, setThreads } = await import(
  new URL("../../packages/core-native/dist/index.js", import.meta.url).href
);
const { decodeAudio, openDataset, runEmbedding } = await import(
  new URL("../../packages/embeddings/dist/index.js", import.meta.url).href
);

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
  let forwardSec = 0;
  const timed = {
    info: model.info,
    async forward(input, options) {
      const t = performance.now();
      const r = await model.forward(input, options);
      forwardSec += (performance.now() - t) / 1000;
      batches.push([input.batch, input.length, Array.from(input.lengths)]);
      return r;
    },
  };
  const ds = await openDataset(o.manifest, { kind: "manifest" });
  const t0 = performance.now();
  const s = await runEmbedding(timed, ds, {
    decode: decodeAudio,
    output: o.output,
    batchSeconds: o.batchSeconds,
    decodeConcurrency: o.decodeConcurrency,
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
  const t0 = performance.now();
  for (const input of inputs)
    await model.forward(input, { outputs: ["pooled"], layers: [-1], pool: "mean" });
  const wall = (performance.now() - t0) / 1000;
  const audioSec = audioSamples / model.info.samplingRate;
  console.log(
    JSON.stringify({
      mode,
      audioSec,
      wallSec: wall,
      audioSecPerSec: audioSec / wall,
      batches: batches.length,
    }),
  );
}
model.dispose();
