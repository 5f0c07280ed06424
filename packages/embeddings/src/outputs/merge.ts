/**
 * `audiomap merge`: joins shard outputs into one, in source order. Before anything is written
 * the shards must be complete output sets (see output-set.ts) made with the same settings from
 * the same source, and be shards 0..N-1 of one split, each exactly once. Shards hold disjoint
 * sets of source indices, each ascending, so a k-way merge on the `index` column restores the
 * order a single run would have written; while it runs, every index 0..M-1 of the source must
 * come up exactly once, as a row or as an error row, in the shard it belongs to. Memory holds
 * one batch per shard, and the error rows.
 */
import { resolve } from "node:path";
import type { ErrorRow } from "../pipeline/prepare.js";
import type { Shard } from "../pipeline/shard.js";
import { type OutputSchema, type RowBatch, SchemaBuilder } from "./columns.js";
import { errorsPathFor, readErrors } from "./errors.js";
import { type OutputFormat, readOutput, resolveOutputFormat } from "./format.js";
import {
  type FinishedOutput,
  OutputSetError,
  readFinishedOutput,
  removeOutputSet,
  writeOutputSet,
} from "./output-set.js";
import { type Provenance, provenanceConflicts } from "./provenance.js";

/** Options of `mergeOutputs`. */
export interface MergeOptions {
  /** Output format. Default: from the output path's extension. */
  format?: OutputFormat;
  /** Rows per written batch. Default 4096. */
  batchRows?: number;
}

/** What `mergeOutputs` did. */
export interface MergeSummary {
  rows: number;
  errors: number;
  inputs: number;
  output: string;
  errorsFile: string;
}

/**
 * Why shards cannot be merged: ERR_MERGE_SHARDS (not exactly shards 0..N-1 of one split),
 * ERR_MERGE_MISMATCH (other settings or another source), ERR_MERGE (their rows do not cover the
 * source exactly once), ERR_USAGE (no input).
 */
export class MergeError extends Error {
  constructor(
    readonly code: "ERR_MERGE_SHARDS" | "ERR_MERGE_MISMATCH" | "ERR_MERGE" | "ERR_USAGE",
    message: string,
  ) {
    super(message);
    this.name = "MergeError";
  }
}

/** One input, checked. */
interface Part extends FinishedOutput {
  path: string;
  shard: Shard;
}

interface Cursor {
  it: AsyncGenerator<{ schema: OutputSchema; batch: RowBatch }>;
  batch?: RowBatch;
  pos: number;
  part: Part;
}

async function advance(c: Cursor): Promise<boolean> {
  while (!c.batch || c.pos >= c.batch.records.length) {
    const next = await c.it.next();
    if (next.done) {
      c.batch = undefined;
      return false;
    }
    c.batch = next.value.batch;
    c.pos = 0;
  }
  return true;
}

/** The schema of an output with rows (read from its first batch). */
async function schemaOf(path: string): Promise<OutputSchema | null> {
  const it = readOutput(path);
  try {
    for (;;) {
      const next = await it.next();
      if (next.done) return null;
      if (next.value.batch.records.length > 0) return next.value.schema;
    }
  } finally {
    await it.return(undefined);
  }
}

/** Merges shard outputs (Parquet, npy, CSV or JSONL) into `output`, with their errors files. */
export async function mergeOutputs(
  inputs: string[],
  output: string,
  options: MergeOptions = {},
): Promise<MergeSummary> {
  if (inputs.length === 0) throw new MergeError("ERR_USAGE", "merge needs at least one input");
  // The previous output set is removed before the new one is written: it cannot be an input.
  const self = inputs.find((p) => resolve(p) === resolve(output));
  if (self) throw new MergeError("ERR_USAGE", `the output ${output} is also an input`);
  const parts = await Promise.all(inputs.map(openPart));
  const provenance = agreedProvenance(parts);
  checkShards(parts);
  if (provenance.frames)
    throw new MergeError("ERR_MERGE", "merging outputs with frames is not supported yet");
  const dim = provenance.dim as number;
  const builder = new SchemaBuilder();
  for (const p of parts) {
    const s = p.rows > 0 ? await schemaOf(p.path) : null;
    if (!s) continue;
    if (s.dim !== dim)
      throw new MergeError("ERR_MERGE", `${p.path} has embeddings of width ${s.dim}, not ${dim}`);
    builder.addColumns(s.columns);
  }
  const schema: OutputSchema = { columns: builder.columns(), dim };
  const errors = await allErrors(parts);
  const coverage = new Coverage(errors, provenance.source_records as number);
  const batchRows = options.batchRows ?? 4096;
  async function* merged(): AsyncGenerator<RowBatch> {
    const live: Cursor[] = [];
    for (const part of parts) {
      const c: Cursor = { it: readOutput(part.path), pos: 0, part };
      if (await advance(c)) live.push(c);
    }
    let records: Record<string, unknown>[] = [];
    let vectors: Float32Array[] = [];
    while (live.length > 0) {
      let best = 0;
      for (let k = 1; k < live.length; k++) {
        const a = live[k] as Cursor;
        const b = live[best] as Cursor;
        if (Number(a.batch?.records[a.pos]?.index) < Number(b.batch?.records[b.pos]?.index))
          best = k;
      }
      const c = live[best] as Cursor;
      const batch = c.batch as RowBatch;
      const rec = batch.records[c.pos] as Record<string, unknown>;
      coverage.row(Number(rec.index), c.part);
      records.push(rec);
      vectors.push(batch.embeddings.subarray(c.pos * dim, (c.pos + 1) * dim));
      c.pos++;
      if (!(await advance(c))) live.splice(best, 1);
      if (records.length >= batchRows) {
        yield pack(records, vectors, dim);
        records = [];
        vectors = [];
      }
    }
    coverage.end();
    if (records.length > 0) yield pack(records, vectors, dim);
  }
  const format = resolveOutputFormat(output, options.format);
  const rows = parts.reduce((n, p) => n + p.rows, 0);
  try {
    const written = await writeOutputSet({
      format,
      output,
      schema,
      batches: merged(),
      errors: errors.map((e) => e.row),
      provenance: { ...provenance, format, shard: null, rows },
    });
    return {
      rows,
      errors: written.errors,
      inputs: inputs.length,
      output,
      errorsFile: written.errorsFile,
    };
  } catch (err) {
    // The errors file is written before the rows are merged: take it away with the rest.
    await removeOutputSet(output, format);
    throw err;
  }
}

function pack(records: Record<string, unknown>[], vectors: Float32Array[], dim: number): RowBatch {
  const embeddings = new Float32Array(records.length * dim);
  vectors.forEach((v, i) => {
    embeddings.set(v, i * dim);
  });
  return { records, embeddings, dim };
}

/** An input as a checked, complete output set with its shard (an unsharded output is 0/1). */
async function openPart(path: string): Promise<Part> {
  const format = resolveOutputFormat(path);
  if (format === "lance")
    throw new MergeError("ERR_MERGE", `${path}: LanceDB shards cannot be read back; use parquet`);
  let finished: FinishedOutput | null;
  try {
    finished = await readFinishedOutput(path, format);
  } catch (err) {
    if (!(err instanceof OutputSetError)) throw err;
    throw new OutputSetError(`cannot merge ${err.message}`);
  }
  if (!finished)
    throw new OutputSetError(
      `cannot merge ${path}: it is not a complete output (its ${format === "parquet" ? "file" : "provenance sidecar"} is missing)`,
    );
  return { ...finished, path, shard: finished.provenance.shard ?? { index: 0, count: 1 } };
}

/**
 * The provenance every part shares (model, its hash, settings, source, ... all but the fields
 * of PROVENANCE_PER_PART). Parts made with different settings or from another source are
 * refused: their rows would not be comparable.
 */
function agreedProvenance(parts: Part[]): Provenance {
  const first = parts[0] as Part;
  for (const p of parts.slice(1)) {
    const conflicts = provenanceConflicts(first.provenance, p.provenance);
    if (conflicts.length > 0)
      throw new MergeError(
        "ERR_MERGE_MISMATCH",
        `${p.path} was made with other settings than ${first.path}: ${conflicts.join("; ")}`,
      );
  }
  return first.provenance;
}

/** The parts must be shards 0..N-1 of one split, each exactly once. */
function checkShards(parts: Part[]): void {
  const first = parts[0] as Part;
  const n = first.shard.count;
  const name = (s: Shard) => `${s.index}/${s.count}`;
  const other = parts.find((p) => p.shard.count !== n);
  if (other)
    throw new MergeError(
      "ERR_MERGE_SHARDS",
      `${first.path} is shard ${name(first.shard)} and ${other.path} is shard ${name(other.shard)}: not shards of one split`,
    );
  const byIndex = new Map<number, string[]>();
  for (const p of parts)
    byIndex.set(p.shard.index, [...(byIndex.get(p.shard.index) ?? []), p.path]);
  for (const [index, paths] of byIndex)
    if (paths.length > 1)
      throw new MergeError(
        "ERR_MERGE_SHARDS",
        `shard ${index}/${n} is given twice (${paths.join(", ")}): each shard must appear once`,
      );
  const missing = Array.from({ length: n }, (_, i) => i).filter((i) => !byIndex.has(i));
  if (missing.length > 0)
    throw new MergeError(
      "ERR_MERGE_SHARDS",
      `missing shard${missing.length > 1 ? "s" : ""} ${missing.map((i) => `${i}/${n}`).join(", ")}: merge needs all ${n} shards`,
    );
}

/** Every part's error rows, each checked to belong to its shard, in source order. */
async function allErrors(parts: Part[]): Promise<{ row: ErrorRow; part: Part }[]> {
  const out: { row: ErrorRow; part: Part }[] = [];
  for (const part of parts)
    for (const row of await readErrors(errorsPathFor(part.path))) out.push({ row, part });
  return out.sort((a, b) => a.row.index - b.row.index);
}

/**
 * Checks, as the merged rows stream by in index order, that the rows and error rows together
 * hold every source index 0..records-1 exactly once, each in the shard it belongs to.
 */
class Coverage {
  private next = 0;
  private e = 0;

  constructor(
    private readonly errors: { row: ErrorRow; part: Part }[],
    private readonly records: number,
  ) {}

  /** A row with source index `index`, from `part`. */
  row(index: number, part: Part): void {
    while (this.e < this.errors.length && (this.errors[this.e]?.row.index as number) <= index) {
      const { row, part: from } = this.errors[this.e++] as { row: ErrorRow; part: Part };
      this.take(row.index, from, "an error row");
    }
    this.take(index, part, "a row");
  }

  /** After the last row: the remaining error rows, and nothing missing at the end. */
  end(): void {
    for (; this.e < this.errors.length; this.e++) {
      const { row, part } = this.errors[this.e] as { row: ErrorRow; part: Part };
      this.take(row.index, part, "an error row");
    }
    if (this.next !== this.records)
      throw new MergeError(
        "ERR_MERGE",
        `source indices ${this.next}..${this.records - 1} are in no shard (the source has ${this.records} records)`,
      );
  }

  private take(index: number, part: Part, what: string): void {
    const { count, index: shard } = part.shard;
    if (index % count !== shard)
      throw new MergeError(
        "ERR_MERGE",
        `${part.path} holds ${what} for source index ${index}, which belongs to shard ${index % count}/${count}, not ${shard}/${count}`,
      );
    if (index < this.next)
      throw new MergeError("ERR_MERGE", `source index ${index} appears twice (in ${part.path})`);
    if (index >= this.records)
      throw new MergeError(
        "ERR_MERGE",
        `${part.path} holds ${what} for source index ${index}, past the source's ${this.records} records`,
      );
    if (index > this.next)
      throw new MergeError(
        "ERR_MERGE",
        `source index ${this.next} is in no shard (the next one found is ${index}, in ${part.path})`,
      );
    this.next++;
  }
}
