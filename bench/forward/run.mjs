#!/usr/bin/env node
// bench/forward: the addon's model.forward against Python's torch.jit.load(...)(...) on the
// same TorchScript file, input and thread count, after warm-up.
//
//   pnpm bench:forward [--models tiny,medium] [--batches 1,16] [--seconds 1] [--threads N]
//                      [--warmup 5] [--rounds 8] [--iters 5] [--json out.json]
//
// Both sides run in alternating rounds (addon, python, addon, ...) so that load from other
// processes hits both alike; the table shows median per-call times over all rounds.
// The addon call includes everything a user pays: argument checks, the input copy, the
// threadpool hop, masked mean pooling of the last layer and the result's hand-back.
// The Python call is `module(audio, lengths, [-1])["pooled"]` under torch.inference_mode(),
// timed twice: on Python's main thread (the way a script does it) and on one worker thread
// (the way the addon runs: on a libuv threadpool thread). On a busy machine the two differ a
// lot: OpenMP's spin-waiting hurts the main thread far more (see docs/benchmarks.md).
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { availableParallelism, cpus, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..", "..");
const core = await import(join(root, "packages", "core-native", "dist", "index.js"));

const { values: args } = parseArgs({
  options: {
    models: { type: "string", default: "tiny,medium" },
    batches: { type: "string", default: "1,16" },
    seconds: { type: "string", default: "1" },
    threads: { type: "string", default: String(availableParallelism()) },
    warmup: { type: "string", default: "5" },
    rounds: { type: "string", default: "8" },
    iters: { type: "string", default: "5" },
    json: { type: "string" },
    python: { type: "string", default: process.env.AUDIOMAP_PYTHON ?? "/usr/bin/python3" },
  },
});
const threads = Number(args.threads);
const warmup = Number(args.warmup);
const rounds = Number(args.rounds);
const iters = Number(args.iters);
const length = Math.round(Number(args.seconds) * 16000);

function median(values) {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

function makeAudio(batch) {
  const audio = new Float32Array(batch * length);
  let state = 12345;
  for (let i = 0; i < audio.length; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    audio[i] = 0.3 * Math.sin(i * 0.05 * (1 + (i % 7))) + 0.1 * (state / 2 ** 32 - 0.5);
  }
  return audio;
}

/** Starts the Python side; returns { run(n) -> ms[], info, close() }. */
async function startPython(model, audioPath, batch) {
  const child = spawn(
    args.python,
    [
      join(here, "python_forward.py"),
      model,
      audioPath,
      String(batch),
      String(length),
      String(threads),
    ],
    { stdio: ["pipe", "pipe", "inherit"] },
  );
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const next = async () => {
    const { value, done } = await lines.next();
    if (done) throw new Error("python_forward.py exited early");
    return JSON.parse(value);
  };
  const info = await next();
  return {
    info,
    run: async (n) => {
      child.stdin.write(`run ${n}\n`);
      return (await next()).ms;
    },
    close: () => {
      child.stdin.end("quit\n");
    },
  };
}

async function bench(name, batch, work) {
  const model = await core.loadModel(join(root, "fixtures", `${name}.pt`), {
    device: "cpu",
    threads,
  });
  const audio = makeAudio(batch);
  const audioPath = join(work, `${name}-${batch}.f32`);
  writeFileSync(audioPath, audio);
  const python = await startPython(model.path, audioPath, batch, "main");
  const pythonThread = await startPython(model.path, audioPath, batch, "thread");
  const input = { audio, batch, length };
  const addonRun = async (n) => {
    const ms = [];
    for (let i = 0; i < n; i++) {
      const start = performance.now();
      await model.forward(input, { outputs: ["pooled"], layers: [-1] });
      ms.push(performance.now() - start);
    }
    return ms;
  };
  // Warm-up covers the JIT's profiling runs on both sides.
  await addonRun(warmup);
  await python.run(warmup);
  await pythonThread.run(warmup);
  const addon = [];
  const py = [];
  const pyThread = [];
  for (let r = 0; r < rounds; r++) {
    addon.push(...(await addonRun(iters)));
    py.push(...(await python.run(iters)));
    pyThread.push(...(await pythonThread.run(iters)));
  }
  python.close();
  pythonThread.close();
  model.dispose();
  const row = {
    model: name,
    hidden: model.info.hiddenSize,
    layers: model.info.numHiddenLayers,
    batch,
    seconds: length / 16000,
    addonMs: median(addon),
    pythonMs: median(py),
    pythonThreadMs: median(pyThread),
    addonMinMs: Math.min(...addon),
    pythonMinMs: Math.min(...py),
    pythonThreadMinMs: Math.min(...pyThread),
    samples: addon.length,
    torch: python.info.torch,
  };
  row.ratio = row.addonMs / row.pythonMs;
  row.minRatio = row.addonMinMs / row.pythonMinMs;
  row.threadRatio = row.addonMs / row.pythonThreadMs;
  row.threadMinRatio = row.addonMinMs / row.pythonThreadMinMs;
  return row;
}

const work = mkdtempSync(join(tmpdir(), "audiomap-bench-"));
const results = [];
try {
  core.setThreads(threads);
  for (const name of args.models.split(",")) {
    for (const batch of args.batches.split(",").map(Number)) {
      const row = await bench(name, batch, work);
      results.push(row);
      console.error(
        `${name} batch ${batch}: addon ${row.addonMs.toFixed(2)} ms, python main ` +
          `${row.pythonMs.toFixed(2)} ms, python worker thread ${row.pythonThreadMs.toFixed(2)} ms`,
      );
    }
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}

const build = core.native().buildInfo();
console.log(
  `\nbench/forward: ${cpus()[0]?.model ?? "cpu"} x${availableParallelism()}, threads ${threads}, ` +
    `LibTorch ${build.torchVersion}, python torch ${results[0]?.torch}, ` +
    `warm-up ${warmup}, ${rounds} rounds x ${iters} calls per side\n`,
);
const ms = (median, min) => `${median.toFixed(2)} (${min.toFixed(2)})`;
const ratio = (median, min) => `${median.toFixed(3)} (${min.toFixed(3)})`;
console.log(
  "| model | layers x hidden | batch | clip s | addon ms | python main-thread ms | python worker-thread ms " +
    "| addon / python main | addon / python worker |",
);
console.log("|---|---|---|---|---|---|---|---|---|");
for (const r of results) {
  console.log(
    `| ${r.model} | ${r.layers} x ${r.hidden} | ${r.batch} | ${r.seconds} | ` +
      `${ms(r.addonMs, r.addonMinMs)} | ${ms(r.pythonMs, r.pythonMinMs)} | ` +
      `${ms(r.pythonThreadMs, r.pythonThreadMinMs)} | ${ratio(r.ratio, r.minRatio)} | ` +
      `${ratio(r.threadRatio, r.threadMinRatio)} |`,
  );
}
console.log("\nEach cell: median (min) per call.");
if (args.json) writeFileSync(args.json, JSON.stringify({ threads, results }, null, 2));
