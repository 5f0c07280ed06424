/** Picking a writer or reader by output format, and the format an output's name implies. */
import { extname } from "node:path";
import type { OutputSchema, RowBatch } from "./columns.js";
import { readNpy, writeNpy } from "./npy.js";
import { readParquet, writeParquet } from "./parquet.js";
import { PROVENANCE_KEY, type Provenance, writeProvenanceSidecar } from "./provenance.js";
import { readCsv, readJsonl, writeCsv, writeJsonl } from "./text.js";

/** Output formats. */
export type OutputFormat = "parquet" | "npy" | "lance" | "csv" | "jsonl";

/** Every output format with the extension that names it. */
export const OUTPUT_EXTENSIONS: Readonly<Record<OutputFormat, string>> = {
  parquet: ".parquet",
  csv: ".csv",
  npy: ".npy",
  lance: ".lance",
  jsonl: ".jsonl",
};

/** The format an output path's extension names, or null for any other extension. */
export function formatFromPath(path: string): OutputFormat | null {
  const ext = extname(path.replace(/\/+$/, "")).toLowerCase();
  const hit = Object.entries(OUTPUT_EXTENSIONS).find(([, e]) => e === ext);
  return hit ? (hit[0] as OutputFormat) : null;
}

/**
 * The format to write `path` in: the one its extension names, which an explicit `format` must
 * agree with. An extension that names no format needs an explicit one. Throws an error with
 * code `ERR_FORMAT_MISMATCH` or `ERR_FORMAT_UNKNOWN` otherwise, so that a file never holds a
 * format other than its name says.
 * @example resolveOutputFormat("emb.csv") // "csv"
 */
export function resolveOutputFormat(path: string, format?: OutputFormat): OutputFormat {
  const named = formatFromPath(path);
  const known = Object.values(OUTPUT_EXTENSIONS).join(", ");
  if (format && named && format !== named)
    throw Object.assign(
      new Error(
        `--format ${format} contradicts the output name ${path}, which says ${named}: name it ${OUTPUT_EXTENSIONS[format]} or leave --format out`,
      ),
      { code: "ERR_FORMAT_MISMATCH" },
    );
  const chosen = format ?? named;
  if (!chosen)
    throw Object.assign(
      new Error(`cannot tell the output format from ${path}: end it in ${known}, or give --format`),
      { code: "ERR_FORMAT_UNKNOWN" },
    );
  return chosen;
}

/**
 * Writes batches in the given format; returns the row count. `provenance` goes into a Parquet
 * file's key-value metadata, or into the `<path>.audiomap.json` sidecar of the other formats.
 */
export async function writeOutput(
  format: OutputFormat,
  path: string,
  schema: OutputSchema,
  batches: AsyncIterable<RowBatch>,
  provenance?: Provenance,
): Promise<number> {
  if (format === "parquet")
    return writeParquet(path, schema, batches, {
      ...(provenance && { metadata: { [PROVENANCE_KEY]: JSON.stringify(provenance) } }),
    });
  let rows: number;
  if (format === "npy") rows = await writeNpy(path, schema, batches);
  else if (format === "csv") rows = await writeCsv(path, schema, batches);
  else if (format === "jsonl") rows = await writeJsonl(path, schema, batches);
  else {
    const { writeLance } = await import("./lance.js");
    rows = await writeLance(path, schema, batches);
  }
  if (provenance) await writeProvenanceSidecar(path, provenance);
  return rows;
}

/** Reads an output back in batches (LanceDB tables are read with LanceDB). */
export function readOutput(
  path: string,
  format: OutputFormat = resolveOutputFormat(path),
): AsyncGenerator<{ schema: OutputSchema; batch: RowBatch }> {
  if (format === "npy") return readNpy(path);
  if (format === "csv") return readCsv(path);
  if (format === "jsonl") return readJsonl(path);
  if (format === "lance") {
    throw Object.assign(
      new Error("reading LanceDB outputs back is not supported; use parquet or npy shards"),
      {
        code: "ERR_FORMAT",
      },
    );
  }
  return readParquet(path);
}
