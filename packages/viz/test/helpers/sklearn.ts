/** Runs scikit-learn (Debian's /usr/bin/python3) to produce reference values for a data set. */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const PYTHON = process.env.AUDIOMAP_PYTHON ?? "/usr/bin/python3";
const here = dirname(fileURLToPath(import.meta.url));

/** Why the scikit-learn comparisons are skipped, or null when they can run. */
export function sklearnMissing(): string | null {
  const r = spawnSync(PYTHON, ["-c", "import sklearn, scipy, numpy"], { encoding: "utf8" });
  if (r.status === 0) return null;
  return `scikit-learn not importable by ${PYTHON} (install python3-sklearn): ${r.stderr ?? r.error}`;
}

export interface Reference {
  x: Float32Array;
  shape: [number, number];
  y: Int32Array;
  pred: Int32Array;
  /** The true labels with a fifth replaced at random: a classifier's predictions. */
  noisy: Int32Array;
  emb: Float32Array;
  /** A copy of x with a 1e-3 jitter (no tied distances) and its 2-D layout. */
  xj: Float32Array;
  embj: Float32Array;
  ref: Record<string, number> & {
    contingency: number[][];
    confusion: number[][];
    confusionLabels: number[];
    recall: number[];
    precision: number[];
  };
}

/** Data set + reference metrics from test/helpers/sklearn_reference.py. */
export function sklearnReference(dataset: string): Reference {
  const out = mkdtempSync(join(tmpdir(), "audiomap-sk-"));
  try {
    const r = spawnSync(PYTHON, [join(here, "sklearn_reference.py"), dataset, out], {
      encoding: "utf8",
    });
    if (r.status !== 0) throw new Error(`sklearn_reference.py ${dataset} failed: ${r.stderr}`);
    const ref = JSON.parse(readFileSync(join(out, "ref.json"), "utf8"));
    const f32 = (f: string) => new Float32Array(new Uint8Array(readFileSync(join(out, f))).buffer);
    const i32 = (f: string) => new Int32Array(new Uint8Array(readFileSync(join(out, f))).buffer);
    return {
      x: f32("x.f32"),
      shape: ref.shape,
      y: i32("y.i32"),
      pred: i32("pred.i32"),
      noisy: i32("noisy.i32"),
      emb: f32("emb.f32"),
      xj: f32("xj.f32"),
      embj: f32("embj.f32"),
      ref,
    };
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}
