/** The errors file written beside every output: one JSON object per failed input. */
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

/** Writes the errors file atomically (an empty file when nothing failed). */
export async function writeErrors(
  path: string,
  errors: AsyncIterable<ErrorRow> | Iterable<ErrorRow>,
): Promise<number> {
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
  await writeTextAtomic(path, lines.length ? `${lines.join("\n")}\n` : "");
  return lines.length;
}
