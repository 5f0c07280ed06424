/**
 * Test helpers: fixture paths (failing loudly when fixtures are missing), deterministic audio,
 * and the Python torch reference (test/python/run_module.py via Debian's /usr/bin/python3).
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
export const repoRoot = join(here, "..", "..", "..", "..");
export const python = process.env.AUDIOMAP_PYTHON ?? "/usr/bin/python3";

/** Absolute path of fixtures/<name>; throws (failing the test) when it was not generated. */
export function fixture(name: string): string {
  const path = join(repoRoot, "fixtures", name);
  if (!existsSync(path)) {
    throw new Error(
      `fixture ${path} is missing: run \`bash scripts/fixtures.sh\` from the repository root`,
    );
  }
  return path;
}

/** Deterministic pseudo-speech: a few decaying tones plus noise from a seeded LCG. */
export function makeAudio(batch: number, length: number, seed = 1): Float32Array {
  const audio = new Float32Array(batch * length);
  let state = seed >>> 0;
  const noise = () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32 - 0.5;
  };
  for (let b = 0; b < batch; b++) {
    const f = 120 + 40 * b;
    for (let t = 0; t < length; t++) {
      const s = t / 16000;
      audio[b * length + t] =
        0.5 * Math.sin(2 * Math.PI * f * s) +
        0.2 * Math.sin(2 * Math.PI * 3.1 * f * s) +
        0.1 * noise();
    }
  }
  return audio;
}

/** Zeroes every sample past lengths[i], as a caller padding a batch would. */
export function padAfter(audio: Float32Array, length: number, lengths: number[]): Float32Array {
  const out = audio.slice();
  lengths.forEach((n, b) => {
    out.fill(0, b * length + n, (b + 1) * length);
  });
  return out;
}

export interface ReferenceTensor {
  dtype: string;
  shape: number[];
  data: Float32Array | BigInt64Array;
}

/** Runs `model` in Python torch on the same input and returns every output of forward(). */
export function pythonForward(
  model: string,
  input: { audio: Float32Array; batch: number; length: number; lengths: number[] },
  layers: number[],
): Record<string, ReferenceTensor> {
  const work = mkdtempSync(join(tmpdir(), "audiomap-ref-"));
  try {
    writeFileSync(
      join(work, "input.json"),
      JSON.stringify({ batch: input.batch, length: input.length, lengths: input.lengths, layers }),
    );
    writeFileSync(
      join(work, "audio.f32"),
      Buffer.from(input.audio.buffer, input.audio.byteOffset, input.audio.byteLength),
    );
    execFileSync(python, [join(here, "..", "python", "run_module.py"), model, work], {
      stdio: ["ignore", "ignore", "pipe"],
    });
    return readReference(join(work, "out"));
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** Reads the outputs run_module.py wrote to `dir` (manifest.json and one .bin per output). */
export function readReference(dir: string): Record<string, ReferenceTensor> {
  const manifest = JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8")) as Record<
    string,
    { dtype: string; shape: number[] }
  >;
  const out: Record<string, ReferenceTensor> = {};
  for (const [name, { dtype, shape }] of Object.entries(manifest)) {
    const buffer = readArrayBuffer(join(dir, `${name}.bin`));
    const data = dtype === "int64" ? new BigInt64Array(buffer) : new Float32Array(buffer);
    out[name] = { dtype, shape, data };
  }
  return out;
}

/** A file's bytes in an ArrayBuffer of their own (aligned for any TypedArray view). */
export function readArrayBuffer(path: string): ArrayBuffer {
  const bytes = readFileSync(path);
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
}

/** Largest absolute elementwise difference; throws when the lengths differ. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} != ${b.length}`);
  let max = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs((a[i] as number) - (b[i] as number));
    if (Number.isNaN(d)) return Number.NaN;
    if (d > max) max = d;
  }
  return max;
}
