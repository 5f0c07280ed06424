/**
 * `audiomap merge`: joins shard outputs into one, in source order. Shards hold disjoint sets of
 * source indices, each ascending, so a k-way merge on the `index` column restores the order a
 * single run would have written. Memory holds one batch per shard.
 */
import { readFile } from "node:fs/promises";
import type { ErrorRow } from "../pipeline/prepare.js";
import { type OutputSchema, type RowBatch, SchemaBuilder } from "./columns.js";
import { errorsPathFor, writeErrors } from "./errors.js";
import { type OutputFormat, readOutput, resolveOutputFormat, writeOutput } from "./format.js";
import { type Provenance, provenanceConflicts, readProvenance } from "./provenance.js";

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

interface Cursor {
  it: AsyncGenerator<{ schema: OutputSchema; batch: RowBatch }>;
  batch?: RowBatch;
  pos: number;
  path: string;
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

async function schemaOf(path: string): Promise<OutputSchema> {
  const it = readOutput(path);
  const first = await it.next();
  await it.return(undefined);
  if (first.done)
    throw Object.assign(new Error(`${path} holds no row group`), { code: "ERR_FORMAT" });
  return first.value.schema;
}

/** Merges shard outputs (Parquet or npy) into `output`, with their errors files. */
export async function mergeOutputs(
  inputs: string[],
  output: string,
  options: MergeOptions = {},
): Promise<MergeSummary> {
  if (inputs.length === 0)
    throw Object.assign(new Error("merge needs at least one input"), { code: "ERR_USAGE" });
  const builder = new SchemaBuilder();
  let dim: number | undefined;
  let framesDim: number | undefined;
  for (const p of inputs) {
    const s = await schemaOf(p);
    builder.addColumns(s.columns);
    if (dim !== undefined && s.dim !== dim) {
      throw Object.assign(new Error(`${p} has embeddings of width ${s.dim}, the others ${dim}`), {
        code: "ERR_MERGE",
      });
    }
    dim = s.dim;
    framesDim = s.framesDim;
  }
  const schema: OutputSchema = { columns: builder.columns(), dim: dim as number, framesDim };
  const provenance = await agreedProvenance(inputs);
  const batchRows = options.batchRows ?? 4096;
  async function* merged(): AsyncGenerator<RowBatch> {
    const cursors: Cursor[] = inputs.map((path) => ({ it: readOutput(path), pos: 0, path }));
    const live: Cursor[] = [];
    for (const c of cursors) if (await advance(c)) live.push(c);
    let records: Record<string, unknown>[] = [];
    let vectors: Float32Array[] = [];
    let last = -1;
    const d = schema.dim;
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
      const index = Number(rec.index);
      if (index <= last) {
        throw Object.assign(
          new Error(
            `index ${index} appears twice or out of order (in ${c.path}): overlapping shards?`,
          ),
          {
            code: "ERR_MERGE",
          },
        );
      }
      last = index;
      records.push(rec);
      vectors.push(batch.embeddings.subarray(c.pos * d, (c.pos + 1) * d));
      c.pos++;
      if (!(await advance(c))) live.splice(best, 1);
      if (records.length >= batchRows) {
        yield pack(records, vectors, d);
        records = [];
        vectors = [];
      }
    }
    if (records.length > 0) yield pack(records, vectors, d);
  }
  if (framesDim !== undefined) {
    throw Object.assign(new Error("merging outputs with frames is not supported yet"), {
      code: "ERR_MERGE",
    });
  }
  const format = resolveOutputFormat(output, options.format);
  const rows = await writeOutput(
    format,
    output,
    schema,
    merged(),
    provenance ? { ...provenance, format, shard: null } : undefined,
  );
  const errors: ErrorRow[] = [];
  for (const p of inputs) {
    const text = await readFile(errorsPathFor(p), "utf8").catch(() => "");
    for (const line of text.split("\n")) if (line.trim()) errors.push(JSON.parse(line) as ErrorRow);
  }
  errors.sort((a, b) => a.index - b.index);
  const errorsFile = errorsPathFor(output);
  await writeErrors(errorsFile, errors);
  return { rows, errors: errors.length, inputs: inputs.length, output, errorsFile };
}

function pack(records: Record<string, unknown>[], vectors: Float32Array[], dim: number): RowBatch {
  const embeddings = new Float32Array(records.length * dim);
  vectors.forEach((v, i) => {
    embeddings.set(v, i * dim);
  });
  return { records, embeddings, dim };
}

/**
 * The provenance every part shares (model, its hash, layer, pooling, ... all but the fields of
 * PROVENANCE_PER_PART), or null when no part has one. Parts made with different settings, or a
 * mix of parts with and without provenance, are refused: their rows would not be comparable.
 */
async function agreedProvenance(inputs: string[]): Promise<Provenance | null> {
  const all = await Promise.all(inputs.map(readProvenance));
  const first = all[0] ?? null;
  for (const [i, p] of all.entries()) {
    if ((p === null) !== (first === null))
      throw Object.assign(
        new Error(
          `${inputs[p === null ? i : 0]} has no audiomap provenance and ${inputs[p === null ? 0 : i]} has: not parts of one run`,
        ),
        { code: "ERR_MERGE_MISMATCH" },
      );
    if (!p || !first) continue;
    const conflicts = provenanceConflicts(first, p);
    if (conflicts.length > 0)
      throw Object.assign(
        new Error(
          `${inputs[i]} was made with other settings than ${inputs[0]}: ${conflicts.join("; ")}`,
        ),
        { code: "ERR_MERGE_MISMATCH" },
      );
  }
  return first;
}
