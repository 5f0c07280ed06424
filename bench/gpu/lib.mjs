// Shared by the bench/gpu step scripts: the kit tree's packages, warm-up, and comparing the
// embeddings two runs wrote.
import { readFileSync } from "node:fs";
import { join } from "node:path";

/** @audiomap/core-native and @audiomap/embeddings of the kit's tree. */
export async function packages(tree) {
  const core = await import(join(tree, "packages/core-native/dist/index.js"));
  const embeddings = await import(join(tree, "packages/embeddings/dist/index.js"));
  return { core, embeddings };
}

/** Untimed calls first: TorchScript's profiling executor and cuDNN are slow on first calls. */
export async function warmUp(model) {
  for (const len of [16000, 48000]) {
    for (let i = 0; i < 3; i++) {
      await model.forward(
        { audio: new Float32Array(2 * len).fill(0.01), batch: 2, length: len, lengths: [len, len] },
        { outputs: ["pooled"], layers: [-1] },
      );
    }
  }
}

/** A float32 .npy file (as `embed -o x.npy` writes it): its rows and width. */
export function readNpy(path) {
  const buf = readFileSync(path);
  const headerLength = buf.readUInt16LE(8);
  const header = buf.subarray(10, 10 + headerLength).toString("latin1");
  if (!header.includes("'<f4'")) throw new Error(`${path}: not little-endian float32 (${header})`);
  const shape = /'shape': \((\d+), (\d+)\)/.exec(header);
  if (!shape) throw new Error(`${path}: no 2-D shape in ${header}`);
  const start = 10 + headerLength;
  const data = new Float32Array(
    buf.buffer.slice(buf.byteOffset + start, buf.byteOffset + buf.length),
  );
  return { rows: Number(shape[1]), width: Number(shape[2]), data };
}

/** Cosine similarity of each row of `a` with the same row of `b` (same shape): min and mean. */
export function rowCosines(a, b) {
  if (a.rows !== b.rows || a.width !== b.width)
    throw new Error(`shapes differ: ${a.rows}x${a.width} and ${b.rows}x${b.width}`);
  let min = 1;
  let sum = 0;
  for (let r = 0; r < a.rows; r++) {
    let dot = 0;
    let na = 0;
    let nb = 0;
    for (let i = r * a.width; i < (r + 1) * a.width; i++) {
      dot += a.data[i] * b.data[i];
      na += a.data[i] * a.data[i];
      nb += b.data[i] * b.data[i];
    }
    const c = dot / Math.sqrt(na * nb);
    min = Math.min(min, c);
    sum += c;
  }
  return { min, mean: sum / a.rows, rows: a.rows };
}

/** The subset of a RunSummary worth reporting. */
export function summary(s, modelBusyShare) {
  return {
    ok: s.ok,
    failed: s.failed,
    audioSec: s.audioSec,
    wallSec: s.wallSec,
    audioSecPerSec: s.audioSecPerSec,
    paddingEfficiency: s.paddingEfficiency,
    oomSplits: s.oomSplits,
    finalBatchSeconds: s.finalBatchSeconds,
    modelBusy: modelBusyShare(s),
  };
}
