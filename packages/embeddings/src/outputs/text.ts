/**
 * Text outputs, for tools that read neither Parquet nor NumPy:
 * - CSV: one row per clip, the scalar columns then the embedding spread over the columns
 *   `embedding_0 … embedding_{dim-1}` (what pandas, R and spreadsheets read as numbers);
 * - JSON Lines: one object per clip, the scalar columns and an `embedding` array.
 * Floats are written with 9 significant digits, the fewest that give every float32 back
 * exactly. Both are written atomically and read back in batches for `merge`.
 */
import { createReadStream } from "node:fs";
import { open } from "node:fs/promises";
import { createInterface } from "node:readline";
import { parse } from "csv-parse";
import { stringify } from "csv-stringify/sync";
import { writeAtomic } from "./atomic.js";
import { FIXED_COLUMNS, type OutputSchema, PREDICTION_COLUMNS, type RowBatch } from "./columns.js";

/** Columns whose CSV cells are read back as numbers; every other cell stays text, as written. */
const NUMERIC = new Set(
  [...FIXED_COLUMNS, ...PREDICTION_COLUMNS].filter((c) => c.type !== "string").map((c) => c.name),
);

/** Prefix of the embedding columns of a CSV output. */
export const CSV_EMBEDDING_PREFIX = "embedding_";

/** `embedding_0 … embedding_{dim-1}`. */
export function csvEmbeddingColumns(dim: number): string[] {
  return Array.from({ length: dim }, (_, j) => `${CSV_EMBEDDING_PREFIX}${j}`);
}

/** A float32 as the shortest decimal of at most 9 significant digits (exact for float32). */
function float32Text(x: number): number {
  return Number.isFinite(x) ? Number(x.toPrecision(9)) : x;
}

function rejectFrames(schema: OutputSchema, format: string): void {
  if (schema.framesDim !== undefined)
    throw Object.assign(new Error(`frame-level output needs Parquet, not ${format}`), {
      code: "ERR_FORMAT",
    });
}

/** Streams `text(batch)` for every batch into `path`, atomically; returns the row count. */
async function writeText(
  path: string,
  header: string,
  batches: AsyncIterable<RowBatch>,
  text: (b: RowBatch) => string,
): Promise<number> {
  let rows = 0;
  await writeAtomic(path, async (tmp) => {
    const fh = await open(tmp, "w");
    try {
      await fh.write(header);
      for await (const b of batches) {
        await fh.write(text(b));
        rows += b.records.length;
      }
    } finally {
      await fh.close();
    }
  });
  return rows;
}

function vectorOf(b: RowBatch, i: number): number[] {
  return Array.from(b.embeddings.subarray(i * b.dim, (i + 1) * b.dim), float32Text);
}

/** Writes batches as CSV with a header row. */
export async function writeCsv(
  path: string,
  schema: OutputSchema,
  batches: AsyncIterable<RowBatch>,
): Promise<number> {
  rejectFrames(schema, "CSV");
  const names = schema.columns.map((c) => c.name);
  const header = stringify([[...names, ...csvEmbeddingColumns(schema.dim)]]);
  return writeText(path, header, batches, (b) =>
    stringify(b.records.map((r, i) => [...names.map((n) => r[n] ?? ""), ...vectorOf(b, i)])),
  );
}

/** Writes batches as JSON Lines. */
export async function writeJsonl(
  path: string,
  schema: OutputSchema,
  batches: AsyncIterable<RowBatch>,
): Promise<number> {
  rejectFrames(schema, "JSON Lines");
  const names = schema.columns.map((c) => c.name);
  return writeText(path, "", batches, (b) =>
    b.records
      .map((r, i) => {
        const row: Record<string, unknown> = {};
        for (const n of names) row[n] = r[n] ?? null;
        row.embedding = vectorOf(b, i);
        return `${JSON.stringify(row)}\n`;
      })
      .join(""),
  );
}

/** Collects parsed rows into batches of `batchRows`, with the schema the first row implies. */
async function* toBatches(
  path: string,
  rows: AsyncIterable<{ record: Record<string, unknown>; vector: number[] }>,
  batchRows: number,
): AsyncGenerator<{ schema: OutputSchema; batch: RowBatch }> {
  let pending: { record: Record<string, unknown>; vector: number[] }[] = [];
  let dim = -1;
  const flush = () => {
    const embeddings = new Float32Array(pending.length * dim);
    pending.forEach((p, i) => {
      embeddings.set(p.vector, i * dim);
    });
    const first = pending[0]!.record;
    const columns = Object.keys(first).map((name) => ({
      name,
      type: typeof first[name] === "number" ? ("float64" as const) : ("string" as const),
    }));
    const records = pending.map((p) => p.record);
    pending = [];
    return { schema: { columns, dim }, batch: { records, embeddings, dim } };
  };
  for await (const row of rows) {
    if (dim < 0) dim = row.vector.length;
    if (row.vector.length !== dim)
      throw Object.assign(
        new Error(`${path}: an embedding of ${row.vector.length} values after ones of ${dim}`),
        { code: "ERR_FORMAT" },
      );
    pending.push(row);
    if (pending.length >= batchRows) yield flush();
  }
  if (pending.length > 0) yield flush();
}

/** Reads a CSV output back in batches. */
export async function* readCsv(
  path: string,
  batchRows = 4096,
): AsyncGenerator<{ schema: OutputSchema; batch: RowBatch }> {
  async function* rows() {
    let header: string[] | undefined;
    for await (const cells of createReadStream(path).pipe(parse({ bom: true })) as AsyncIterable<
      string[]
    >) {
      if (!header) {
        header = cells;
        continue;
      }
      const record: Record<string, unknown> = {};
      const vector: number[] = [];
      cells.forEach((cell, j) => {
        const name = header![j]!;
        if (name.startsWith(CSV_EMBEDDING_PREFIX)) vector.push(Number(cell));
        else record[name] = cell === "" ? null : NUMERIC.has(name) ? Number(cell) : cell;
      });
      yield { record, vector };
    }
  }
  yield* toBatches(path, rows(), batchRows);
}

/** Reads a JSON Lines output back in batches. */
export async function* readJsonl(
  path: string,
  batchRows = 4096,
): AsyncGenerator<{ schema: OutputSchema; batch: RowBatch }> {
  async function* rows() {
    const lines = createInterface({
      input: createReadStream(path),
      crlfDelay: Number.POSITIVE_INFINITY,
    });
    for await (const line of lines) {
      if (!line) continue;
      const { embedding, ...record } = JSON.parse(line) as Record<string, unknown>;
      if (!Array.isArray(embedding))
        throw Object.assign(new Error(`${path}: a line without an embedding array`), {
          code: "ERR_FORMAT",
        });
      yield { record, vector: embedding as number[] };
    }
  }
  yield* toBatches(path, rows(), batchRows);
}
