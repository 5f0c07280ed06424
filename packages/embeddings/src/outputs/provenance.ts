/**
 * Provenance: what made an embeddings output, stored with it as Arrow and Hugging Face datasets
 * store theirs. Parquet keeps it in the file's key-value metadata under the key `audiomap` (a
 * JSON object); the other formats keep the same object in a sidecar `<output>.audiomap.json`.
 * `readProvenance` reads either. Every field that is not an outcome (PROVENANCE_OUTCOME) is a
 * setting that changes a row: `--resume` refuses to continue, and `merge` to join, outputs
 * whose settings disagree.
 */
import { createHash } from "node:crypto";
import { createReadStream, existsSync, openAsBlob, readFileSync } from "node:fs";
import { open, readFile } from "node:fs/promises";
import { writeTextAtomic } from "./atomic.js";

/** The key-value metadata key of a Parquet output. */
export const PROVENANCE_KEY = "audiomap";

/**
 * What made an output. `embed` fills every field; `runEmbedding` fills the run's own settings
 * and keeps whatever the caller passes (`RunOptions.provenance`).
 */
export interface Provenance {
  /** Version of @audiomap/embeddings that wrote the file. */
  audiomap_version: string;
  /** The model file, its SHA-256 and its metadata (architecture, sizes, labels, torch). */
  model?: string;
  model_sha256?: string;
  model_info?: Record<string, unknown>;
  /** Layer spec, pooling, L2 normalisation, model precision. */
  layer?: string;
  pool?: string;
  normalize?: boolean;
  dtype?: string;
  frames?: boolean;
  predict?: boolean;
  /** Window and overlap for long recordings, seconds. */
  window_sec?: number;
  overlap_sec?: number;
  /**
   * Decode limits: the longest input decoded (null: the decoder's default; "Infinity": none)
   * and whether truncated inputs are kept.
   */
  max_seconds?: number | string | null;
  allow_truncated?: boolean;
  /** The model's input rate, Hz: every clip was resampled to it. */
  sample_rate?: number;
  /** Embedding width. */
  dim?: number;
  format?: string;
  /** The shard this output holds, when it is one. */
  shard?: { index: number; count: number } | null;
  /** What was read, and its content's identity (see `fingerprintSource`). */
  source?: SourceIdentity;
  /** Where the source was (its resolved path): resume compares it, merge does not. */
  source_path?: string;
  /** Other settings that change a row, from the caller (`RunOptions.manifest`). */
  settings?: Record<string, unknown>;
  /** Records in the whole, unsharded source. */
  source_records?: number;
  /** Rows in the output, rows in its errors file and the SHA-256 of the errors file's bytes. */
  rows?: number;
  errors?: number;
  errors_sha256?: string;
  /** The command line that made it (argv after the Node binary). */
  command?: string[];
  [key: string]: unknown;
}

/** A source as provenance records it: its layout, the options that select records, its content. */
export interface SourceIdentity {
  kind: string;
  split?: string | null;
  language?: string | null;
  label_column?: string | null;
  audio_column?: string | null;
  /** Files read, their total bytes and the SHA-256 of the listing (see `fingerprintSource`). */
  files: number;
  bytes: number;
  sha256: string;
}

/**
 * Fields that record what a run found or how it was called, not a setting: `--resume` does not
 * compare them.
 */
export const PROVENANCE_OUTCOME: ReadonlySet<string> = new Set([
  "command",
  "rows",
  "errors",
  "errors_sha256",
  "source_records",
]);

/**
 * Fields that may differ between parts of one dataset (shards, reruns); every other field must
 * agree for `merge`. `source_records` is not one: every shard saw the whole source.
 */
export const PROVENANCE_PER_PART: ReadonlySet<string> = new Set([
  "shard",
  "command",
  "format",
  "source_path",
  "rows",
  "errors",
  "errors_sha256",
]);

/** The package's version, from its package.json (dist/ and src/ both sit one level below). */
export const AUDIOMAP_VERSION: string = (
  JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as {
    version: string;
  }
).version;

/** SHA-256 of a file, hex, streamed (a large model is never held in memory). */
export async function fileSha256(path: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

/** The sidecar of a non-Parquet output. */
export function provenancePathFor(output: string): string {
  return `${output.replace(/\/+$/, "")}.audiomap.json`;
}

/** Writes the sidecar of a non-Parquet output (Parquet carries it inside). */
export async function writeProvenanceSidecar(output: string, p: Provenance): Promise<void> {
  await writeTextAtomic(provenancePathFor(output), `${JSON.stringify(p, null, 2)}\n`);
}

/** The provenance of an output, or null for one written without it (or by another tool). */
export async function readProvenance(path: string): Promise<Provenance | null> {
  if (!(await isParquet(path))) {
    const sidecar = provenancePathFor(path);
    return existsSync(sidecar) ? (JSON.parse(await readFile(sidecar, "utf8")) as Provenance) : null;
  }
  const pq = await import("parquet-wasm");
  const file = await pq.ParquetFile.fromFile(await openAsBlob(path));
  try {
    const text = file.metadata().fileMetadata().keyValueMetadata().get(PROVENANCE_KEY) as
      | string
      | undefined;
    return text ? (JSON.parse(text) as Provenance) : null;
  } finally {
    file.free();
  }
}

/**
 * The fields on which two outputs' provenance disagree, ignoring the top-level fields in
 * `ignore` (default PROVENANCE_PER_PART, what merge allows), as "field: a ≠ b" lines; nested
 * objects are compared field by field ("source.files: 120 ≠ 150"). Empty when they agree.
 */
export function provenanceConflicts(
  a: Provenance,
  b: Provenance,
  ignore: ReadonlySet<string> = PROVENANCE_PER_PART,
): string[] {
  return conflicts(a, b, "", ignore);
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function conflicts(
  a: Record<string, unknown>,
  b: Record<string, unknown>,
  at: string,
  ignore: ReadonlySet<string> = new Set(),
): string[] {
  const out: string[] = [];
  for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) {
    if (ignore.has(k)) continue;
    const x = a[k] ?? null;
    const y = b[k] ?? null;
    if (isPlainObject(x) && isPlainObject(y)) out.push(...conflicts(x, y, `${at}${k}.`));
    else if (JSON.stringify(x) !== JSON.stringify(y))
      out.push(`${at}${k}: ${JSON.stringify(x)} ≠ ${JSON.stringify(y)}`);
  }
  return out;
}

/** True when the file starts with Parquet's magic bytes. */
async function isParquet(path: string): Promise<boolean> {
  const fh = await open(path, "r").catch(() => null);
  if (!fh) return false;
  try {
    const head = Buffer.alloc(4);
    await fh.read(head, 0, 4, 0);
    return head.toString("latin1") === "PAR1";
  } finally {
    await fh.close();
  }
}
