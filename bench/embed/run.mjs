#!/usr/bin/env node
// bench/embed: end-to-end `embed` throughput vs pure model.forward on the same batches, and
// peak RSS at 1x, 2x and 4x the data. One command:
//   node bench/embed/run.mjs [--clips 2000] [--model fixtures/medium.pt] [--threads 2]
//                            [--scales 1,2,4] [--rss-model fixtures/medium.pt] [--batch-seconds 30]
//                            [--device cpu|cuda|cuda:N|auto] [--dtype float32|float16|bfloat16]
//                            [--batches-in-flight auto|N] (auto: embed's default, 2 on a GPU,
//                            1 on the CPU; the pure loop keeps as many calls in flight)
//   --only-rss skips the throughput comparison; --skip-rss the memory runs.
//   --compare-in-flight R: only end-to-end embed, R rounds alternating 1 and 2 batches in flight
//   (fresh processes, same data), printing the median of each and their ratio.
// Data (seeded, cached in .cache/bench-embed/, gitignored): clips of 0.5-8 s at 8, 16 and
// 44.1 kHz (tones, chirps, noise) plus espeak-ng speech. The 2x/4x data sets list the same
// files 2 and 4 times in the manifest, so memory is measured on more rows without more disk.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { benchArgs } from "../args.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..", "..");
const a = benchArgs(import.meta.url, {
  clips: { type: "string", default: "2000" },
  model: { type: "string", default: join(root, "fixtures/medium.pt") },
  "rss-model": { type: "string" },
  threads: { type: "string", default: "2" },
  device: { type: "string", default: "cpu" },
  dtype: { type: "string", default: "float32" },
  scales: { type: "string", default: "1,2,4" },
  "batch-seconds": { type: "string", default: "30" },
  "decode-concurrency": { type: "string", default: "2" },
  "batches-in-flight": { type: "string", default: "auto" },
  cache: { type: "string", default: join(root, ".cache/bench-embed") },
  "skip-rss": { type: "boolean", default: false },
  "compare-in-flight": { type: "string" },
  "only-rss": { type: "boolean", default: false },
});
const n = Number(a.clips);
const data = join(a.cache, `clips-${n}`);
const PY = "/usr/bin/python3";

function log(msg) {
  process.stderr.write(`[bench/embed] ${msg}\n`);
}

if (!existsSync(join(data, "manifest.csv"))) {
  log(`generating ${n} clips into ${data}`);
  rmSync(data, { recursive: true, force: true });
  execFileSync(PY, [join(here, "gen.py"), data, String(n), "1234"], { stdio: "inherit" });
  // A tenth of the clips are replaced by espeak-ng speech (22.05 kHz), different words and voices.
  const words = [
    "yes",
    "no",
    "up",
    "down",
    "left",
    "right",
    "on",
    "off",
    "stop",
    "go",
    "audiomap embeds speech quickly",
  ];
  const voices = ["en-us", "en-us+f3", "en-gb", "en-us+m7"];
  const lines = readFileSync(join(data, "manifest.csv"), "utf8").trim().split(/\r?\n/);
  for (let i = 0; i < n; i += 10) {
    const f = `speech-${String(i).padStart(5, "0")}.wav`;
    execFileSync(
      "espeak-ng",
      [
        "-v",
        voices[i % 4],
        "-s",
        String(120 + (i % 60)),
        "-w",
        join(data, f),
        words[i % words.length],
      ],
      { stdio: "pipe" },
    );
    rmSync(join(data, `clip-${String(i).padStart(5, "0")}.wav`));
    lines[i + 1] = `${f},speech,22050`;
  }
  writeFileSync(join(data, "manifest.csv"), `${lines.join("\n")}\n`);
}

function manifest(scale) {
  const path = join(data, `manifest-x${scale}.csv`);
  if (!existsSync(path)) {
    const [header, ...rows] = readFileSync(join(data, "manifest.csv"), "utf8")
      .trim()
      .split(/\r?\n/);
    const out = [header];
    for (let k = 0; k < scale; k++) out.push(...rows);
    writeFileSync(path, `${out.join("\n")}\n`);
  }
  return path;
}

function worker(mode, options) {
  const out = execFileSync(
    process.execPath,
    [join(here, "worker.mjs"), mode, JSON.stringify(options)],
    {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "inherit"],
      env: { ...process.env, OMP_NUM_THREADS: a.threads },
    },
  );
  return JSON.parse(out.trim().split("\n").pop());
}

const tmp = join(a.cache, "out");
mkdirSync(tmp, { recursive: true });
const common = {
  device: a.device,
  dtype: a.dtype,
  threads: Number(a.threads),
  batchSeconds: Number(a["batch-seconds"]),
  decodeConcurrency: Number(a["decode-concurrency"]),
  batchesInFlight: a["batches-in-flight"] === "auto" ? undefined : Number(a["batches-in-flight"]),
};
if (a["compare-in-flight"]) {
  const rounds = Number(a["compare-in-flight"]);
  const runs = { 1: [], 2: [] };
  const busy = { 1: [], 2: [] };
  for (let r = 0; r < rounds; r++) {
    for (const k of [1, 2]) {
      const out = worker("embed", {
        ...common,
        batchesInFlight: k,
        model: a.model,
        manifest: manifest(1),
        output: join(tmp, `in-flight-${k}.parquet`),
      });
      runs[k].push(out.audioSecPerSec);
      busy[k].push(out.modelBusy);
      log(
        `round ${r + 1}: ${k} in flight ${out.audioSecPerSec.toFixed(1)} audio-s/s, model busy ` +
          `${(100 * busy[k].at(-1)).toFixed(1)}%, idle ${out.modelIdleSec.toFixed(2)} s`,
      );
    }
  }
  const median = (v) => [...v].sort((x, y) => x - y)[v.length >> 1];
  const [one, two] = [median(runs[1]), median(runs[2])];
  console.log(`model          ${a.model} (${a.device}, ${a.dtype}, threads ${a.threads})`);
  console.log(
    `1 in flight    ${one.toFixed(1)} audio-s/s (median of ${rounds}: ${runs[1].map((v) => v.toFixed(1)).join(", ")})`,
  );
  console.log(
    `2 in flight    ${two.toFixed(1)} audio-s/s (median of ${rounds}: ${runs[2].map((v) => v.toFixed(1)).join(", ")})`,
  );
  console.log(`ratio 2 ÷ 1    ${(two / one).toFixed(3)}`);
  console.log(
    `model busy     1 in flight ${(100 * median(busy[1])).toFixed(1)}%, 2 in flight ${(100 * median(busy[2])).toFixed(1)}% (medians; time on the model's thread ÷ that plus its idle time before each call)`,
  );
  process.exit(0);
}
let e2e;
let fwd;
if (!a["only-rss"]) {
  log(`end-to-end embed of ${n} clips with ${a.model}`);
  const batches = join(tmp, "batches.json");
  e2e = worker("embed", {
    ...common,
    model: a.model,
    manifest: manifest(1),
    output: join(tmp, "e2e.parquet"),
    batchesOut: batches,
  });
  log(`pure forward on the same ${e2e.batches} batches`);
  fwd = worker("forward", { ...common, model: a.model, batches });
}
const result = {
  date: new Date().toISOString(),
  machine: `${cpus()[0]?.model ?? "?"} x${cpus().length}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB`,
  command: `node bench/embed/run.mjs ${process.argv.slice(2).join(" ")}`.trim(),
  model: a.model,
  device: a.device,
  dtype: a.dtype,
  clips: n,
  threads: Number(a.threads),
  e2e,
  forward: fwd,
  ratio: e2e && fwd ? e2e.audioSecPerSec / fwd.audioSecPerSec : null,
  rss: [],
};
if (!a["skip-rss"]) {
  const rssModel = a["rss-model"] ?? a.model;
  for (const s of a.scales.split(",").map(Number)) {
    log(`peak RSS at ${s}x the data (${rssModel})`);
    const r = worker("embed", {
      ...common,
      model: rssModel,
      manifest: manifest(s),
      output: join(tmp, `rss-x${s}.parquet`),
    });
    result.rss.push({
      scale: s,
      rows: r.ok,
      audioSec: r.audioSec,
      maxRssMiB: r.maxRssMiB,
      audioSecPerSec: r.audioSecPerSec,
    });
  }
}
mkdirSync(join(root, "bench/results"), { recursive: true });
writeFileSync(
  join(root, "bench/results", `embed-${result.date.slice(0, 19).replace(/:/g, "")}.json`),
  JSON.stringify(result, null, 2),
);
console.log(`machine        ${result.machine}`);
console.log(`model          ${a.model} (${a.device}, ${a.dtype}, threads ${a.threads})`);
if (e2e) {
  console.log(
    `clips          ${e2e.ok} ok, ${e2e.failed} failed, ${e2e.audioSec.toFixed(0)} s of audio, padding efficiency ${(e2e.paddingEfficiency * 100).toFixed(1)}%`,
  );
  console.log(
    `end to end     ${e2e.audioSecPerSec.toFixed(1)} audio-s/s (${e2e.wallSec.toFixed(1)} s; forward busy ${((e2e.forwardSec / e2e.wallSec) * 100).toFixed(0)}% of it, model thread busy ${(100 * e2e.modelBusy).toFixed(1)}%)`,
  );
  console.log(
    `pure forward   ${fwd.audioSecPerSec.toFixed(1)} audio-s/s (${fwd.wallSec.toFixed(1)} s, ${fwd.batches} batches)`,
  );
  console.log(`ratio          ${result.ratio.toFixed(3)} (target >= 0.9)`);
}
for (const r of result.rss)
  console.log(
    `peak RSS x${r.scale}   ${r.maxRssMiB.toFixed(0)} MiB (${r.rows} rows, ${r.audioSec.toFixed(0)} s audio, ${r.audioSecPerSec.toFixed(1)} audio-s/s)`,
  );
