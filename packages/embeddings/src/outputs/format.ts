/** Picking a writer or reader by output format. */
import type { OutputSchema, RowBatch } from "./columns.js";
import { readNpy, writeNpy } from "./npy.js";
import { readParquet, writeParquet } from "./parquet.js";

/** Output formats. */
export type OutputFormat = "parquet" | "npy" | "lance";

/** The format an output path implies: .npy → npy, .lance → lance, anything else → parquet. */
export function formatFromPath(path: string): OutputFormat {
  if (path.endsWith(".npy")) return "npy";
  if (path.endsWith(".lance")) return "lance";
  return "parquet";
}

/** Writes batches in the given format; returns the row count. */
export async function writeOutput(
  format: OutputFormat,
  path: string,
  schema: OutputSchema,
  batches: AsyncIterable<RowBatch>,
): Promise<number> {
  if (format === "npy") return writeNpy(path, schema, batches);
  if (format === "lance") {
    const { writeLance } = await import("./lance.js");
    return writeLance(path, schema, batches);
  }
  return writeParquet(path, schema, batches);
}

/** Reads an output back in batches (Parquet or npy; LanceDB tables are read with LanceDB). */
export function readOutput(
  path: string,
): AsyncGenerator<{ schema: OutputSchema; batch: RowBatch }> {
  const format = formatFromPath(path);
  if (format === "npy") return readNpy(path);
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
