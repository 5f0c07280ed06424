#!/usr/bin/env node
// bench/forward: the addon's model.forward against Python's torch.jit.load(...)(...) on the
// same TorchScript file, input and thread count, after warm-up.
//
//   pnpm bench:forward [--models tiny,medium] [--batches 1,16] [--seconds 1] [--threads N]
//                      [--warmup 5] [--rounds 8] [--iters 5] [--processes P] [--json out.json]
//
// Both sides run in alternating rounds (addon, python, addon, ...) so that load from other
// processes hits both alike; the table shows median per-call times over all rounds.
// Each side runs in P processes of its own (default 3; the addon in addon_forward.mjs), and
// every round visits them all: on the shared 2-vCPU VM how fast a process runs depends on where
// the scheduler places its threads, which stays fixed for the process's life (in one process
// the per-call overhead was 110-150 us, in another of the same binary 330-400 us). Pooling the
// calls of several processes per side measures the code rather than one placement draw.
// --processes 0 runs the addon in this process and Python in one process each, as before.
// The addon call includes everything a user pays: argument checks, the input copy, the
// threadpool hop, masked mean pooling of the last layer and the result's hand-back.
// The Python call is `module(audio, lengths, [-1])["pooled"]` under torch.inference_mode(),
// on Python's main thread, timed in two processes:
//   - "python": glibc's default allocator settings, what a script gets;
//   - "python tuned": glibc told to keep large blocks (MALLOC_MMAP_THRESHOLD_=32 MiB,
//     MALLOC_TRIM_THRESHOLD_=128 MiB), so that, like the addon's caching CPU allocator, it
//     does not fault activation pages in again on every call. This is the like-for-like
//     reference: the ratio against it is the addon's own overhead, and the target applies to it.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { availableParallelism, cpus, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { benchArgs } from "../args.mjs";
import { timeCalls } from "./addon_loop.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..", "..");

const args = benchArgs(import.meta.url, {
  models: { type: "string", default: "tiny,medium" },
  batches: { type: "string", default: "1,16" },
  seconds: { type: "string", default: "1" },
  threads: { type: "string", default: String(availableParallelism()) },
  warmup: { type: "string", default: "5" },
  rounds: { type: "string", default: "8" },
  iters: { type: "string", default: "5" },
  json: { type: "string" },
  python: { type: "string", default: process.env.AUDIOMAP_PYTHON ?? "/usr/bin/python3" },
  processes: { type: "string", default: "3" },
});
const core = await import(join(root, "packages", "core-native", "dist", "index.js"));
const threads = Number(args.threads);
const warmup = Number(args.warmup);
const rounds = Number(args.rounds);
const iters = Number(args.iters);
const processes = Number(args.processes);
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

/** glibc settings of the "python tuned" side (see the header). */
const tunedGlibc = { MALLOC_MMAP_THRESHOLD_: "33554432", MALLOC_TRIM_THRESHOLD_: "134217728" };

/** Starts one side in a process of its own; returns { run(n) -> ms[], info, close() }. */
async function startWorker(command, script, model, audioPath, batch, env = {}) {
  const child = spawn(
    command,
    [join(here, script), model, audioPath, String(batch), String(length), String(threads)],
    { stdio: ["pipe", "pipe", "inherit"], env: { ...process.env, ...env } },
  );
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const next = async () => {
    const { value, done } = await lines.next();
    if (done) throw new Error(`${script} exited early`);
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
  const start = (script, command, env) =>
    startWorker(command, script, model.path, audioPath, batch, env);
  const copies = Math.max(1, processes);
  const pythons = [];
  const tuned = [];
  const addons = [];
  for (let p = 0; p < copies; p++) {
    pythons.push(await start("python_forward.py", args.python));
    tuned.push(await start("python_forward.py", args.python, tunedGlibc));
    if (processes > 0) addons.push(await start("addon_forward.mjs", process.execPath));
  }
  if (processes === 0) {
    const input = { audio, batch, length };
    addons.push({
      run: (n) => timeCalls(model, input, n),
      close: () => {},
    });
  }
  const python = pythons[0];
  // Warm-up covers the JIT's profiling runs on both sides.
  for (const w of [...addons, ...pythons, ...tuned]) await w.run(warmup);
  const addon = [];
  const py = [];
  const pyTuned = [];
  for (let r = 0; r < rounds; r++) {
    for (let p = 0; p < copies; p++) {
      addon.push(...(await addons[p].run(iters)));
      py.push(...(await pythons[p].run(iters)));
      pyTuned.push(...(await tuned[p].run(iters)));
    }
  }
  for (const w of [...addons, ...pythons, ...tuned]) w.close();
  model.dispose();
  const row = {
    model: name,
    hidden: model.info.hiddenSize,
    layers: model.info.numHiddenLayers,
    batch,
    seconds: length / 16000,
    addonMs: median(addon),
    pythonMs: median(py),
    pythonTunedMs: median(pyTuned),
    addonMinMs: Math.min(...addon),
    pythonMinMs: Math.min(...py),
    pythonTunedMinMs: Math.min(...pyTuned),
    samples: addon.length,
    torch: python.info.torch,
  };
  row.ratio = row.addonMs / row.pythonMs;
  row.minRatio = row.addonMinMs / row.pythonMinMs;
  row.tunedRatio = row.addonMs / row.pythonTunedMs;
  row.tunedMinRatio = row.addonMinMs / row.pythonTunedMinMs;
  row.target = row.tunedRatio <= 1.05 ? "met" : "missed";
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
          `${row.pythonMs.toFixed(2)} ms, python tuned ${row.pythonTunedMs.toFixed(2)} ms`,
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
    `warm-up ${warmup}, ${rounds} rounds x ${iters} calls per side and process, ` +
    `${processes > 0 ? `${processes} processes per side` : "addon in this process"}\n`,
);
const ms = (median, min) => `${median.toFixed(2)} (${min.toFixed(2)})`;
const ratio = (median, min) => `${median.toFixed(3)} (${min.toFixed(3)})`;
console.log(
  "| model | layers x hidden | batch | clip s | addon ms | python ms | python tuned ms " +
    "| addon / python | addon / python tuned | target (tuned, median) <= 1.05 |",
);
console.log("|---|---|---|---|---|---|---|---|---|---|");
for (const r of results) {
  console.log(
    `| ${r.model} | ${r.layers} x ${r.hidden} | ${r.batch} | ${r.seconds} | ` +
      `${ms(r.addonMs, r.addonMinMs)} | ${ms(r.pythonMs, r.pythonMinMs)} | ` +
      `${ms(r.pythonTunedMs, r.pythonTunedMinMs)} | ${ratio(r.ratio, r.minRatio)} | ` +
      `${ratio(r.tunedRatio, r.tunedMinRatio)} | ${r.target} |`,
  );
}
console.log(
  "\nEach cell: median (min) per call. python tuned = glibc keeps large blocks (see header).",
);
if (args.json) writeFileSync(args.json, JSON.stringify({ threads, results }, null, 2));
