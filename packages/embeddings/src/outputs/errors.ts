/** The errors file written beside every output: one JSON object per failed input. */
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import type { ErrorRow } from "../pipeline/prepare.js";
import { writeTextAtomic } from "./atomic.js";

/**
 * The errors file of an output, named after the whole output name so that outputs sharing a
 * stem never share one: `out.parquet` → `out.parquet.errors.jsonl`, `out.npy` →
 * `out.npy.errors.jsonl`, `db/t.lance` → `db/t.lance.errors.jsonl`.
 */
export function errorsPathFor(output: string): string {
  return `${output.replace(/\/+$/, "")}.errors.jsonl`;
}

/**
 * Writes the errors file atomically (an empty file when nothing failed); returns its row count
 * and the SHA-256 of its bytes, which the output's provenance records (see output-set.ts).
 */
export async function writeErrors(
  path: string,
  errors: AsyncIterable<ErrorRow> | Iterable<ErrorRow>,
): Promise<{ count: number; sha256: string }> {
  const lines: string[] = [];
  for await (const e of errors) {
    lines.push(
      JSON.stringify({
        index: e.index,
        id: e.id,
        path: e.path,
        stage: e.stage,
        code: e.code,
        reason: e.reason,
      }),
    );
  }
  const text = lines.length ? `${lines.join("\n")}\n` : "";
  await writeTextAtomic(path, text);
  return { count: lines.length, sha256: createHash("sha256").update(text).digest("hex") };
}

/** The rows of an errors file. */
export async function readErrors(path: string): Promise<ErrorRow[]> {
  const text = await readFile(path, "utf8");
  return text
    .split("\n")
    .filter((line) => line.trim())
    .map((line) => JSON.parse(line) as ErrorRow);
}
