// Addon side of bench/forward in its own process, with the same protocol as
// python_forward.py: `node addon_forward.mjs MODEL.pt AUDIO.f32 BATCH LENGTH THREADS`, then
// "run N" on stdin -> one JSON line {"ms": [...]} with per-call wall times; "quit" exits.
// Each call is `await model.forward(...)`, timed from the call to the resumed caller.
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { timeCalls } from "./addon_loop.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const core = await import(join(root, "packages", "core-native", "dist", "index.js"));
const [modelPath, audioPath, batchArg, lengthArg, threadsArg] = process.argv.slice(2);
const batch = Number(batchArg);
const length = Number(lengthArg);
const threads = Number(threadsArg);
const bytes = readFileSync(audioPath);
const audio = new Float32Array(
  bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength),
);
core.setThreads(threads);
const model = await core.loadModel(modelPath, { device: "cpu", threads });
const input = { audio, batch, length };

const info = { ready: true, hidden: model.info.hiddenSize, layers: model.info.numHiddenLayers };
process.stdout.write(`${JSON.stringify(info)}\n`);
for await (const line of createInterface({ input: process.stdin })) {
  const [command, n] = line.split(" ");
  if (command !== "run") break;
  process.stdout.write(`${JSON.stringify({ ms: await timeCalls(model, input, Number(n)) })}\n`);
}
model.dispose();
