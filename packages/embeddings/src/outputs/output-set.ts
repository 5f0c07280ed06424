/**
 * An output set: the output (one file, an .npy with its .jsonl, or a LanceDB table), its errors
 * file and, for every format but Parquet, the provenance sidecar `<output>.audiomap.json`. The
 * set is written as one unit, so that a reader can rely on this:
 *
 *   The set is complete iff its commit file exists: the Parquet file itself (its footer holds
 *   the provenance), or the sidecar for the other formats. All files of a complete set were
 *   written by one run, and its provenance records the output's row count (`rows`) and the
 *   errors file's row count and SHA-256 (`errors`, `errors_sha256`).
 *
 * `writeOutputSet` keeps that true at every instant: it removes the previous set (commit file
 * first), writes the errors file, then the data, and writes the commit file last. A kill at any
 * point leaves either no commit file (and the run's `.parts` folder, from which `--resume`
 * finishes) or a complete set.
 */
import { existsSync } from "node:fs";
import { readdir, rm } from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";
import type { ErrorRow } from "../pipeline/prepare.js";
import { fsyncDir, processAlive, removeStaleTemps } from "./atomic.js";
import type { OutputSchema, RowBatch } from "./columns.js";
import { errorsPathFor, writeErrors } from "./errors.js";
import { type OutputFormat, writeOutput } from "./format.js";
import { jsonlPathFor } from "./npy.js";
import { partsDirFor } from "./parts.js";
import {
  fileSha256,
  type Provenance,
  provenancePathFor,
  readProvenance,
  writeProvenanceSidecar,
} from "./provenance.js";
import { killPoint } from "./test-hooks.js";

/** An output whose set is not complete, or not one audiomap can check. */
export class OutputSetError extends Error {
  readonly code = "ERR_OUTPUT_INCOMPLETE";
}

/** The files of the output set at `output`, its commit file first. */
export function outputSetFiles(output: string, format: OutputFormat): string[] {
  const errors = errorsPathFor(output);
  if (format === "parquet") return [output, errors];
  const data = format === "npy" ? [output, jsonlPathFor(output)] : [output];
  return [provenancePathFor(output), ...data, errors];
}

/**
 * True when `path` is a file of the output set at `output`, of its `.parts` folder or a temp of
 * them: what a source listing must leave out when the output is written inside the source.
 */
export function isOutputSetPath(output: string, path: string): boolean {
  const base = resolve(output.replace(/\/+$/, ""));
  const abs = resolve(path);
  return (
    abs === base ||
    abs.startsWith(`${base}.`) ||
    abs.startsWith(`${base}/`) ||
    abs === resolve(jsonlPathFor(base))
  );
}

/**
 * Deletes what killed runs left beside the output set: temp files of its files whose writer is
 * gone, and `.parts.trash-<pid>` folders of processes no longer running. Returns the paths
 * deleted.
 */
export async function removeLeftovers(output: string, format: OutputFormat): Promise<string[]> {
  const byDir = new Map<string, Set<string>>();
  for (const f of outputSetFiles(output, format)) {
    const dir = dirname(f);
    byDir.set(dir, (byDir.get(dir) ?? new Set()).add(basename(f)));
  }
  const removed: string[] = [];
  for (const [dir, names] of byDir)
    for (const n of await removeStaleTemps(dir, names)) removed.push(join(dir, n));
  const parts = partsDirFor(output);
  const trash = new RegExp(`^${escapeRegExp(basename(parts))}\\.trash-(\\d+)$`);
  for (const n of await readdir(dirname(parts)).catch(() => [] as string[])) {
    const m = trash.exec(n);
    if (!m || processAlive(Number(m[1]))) continue;
    await rm(join(dirname(parts), n), { recursive: true, force: true });
    removed.push(join(dirname(parts), n));
  }
  return removed;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** Removes the output set at `output`, its commit file first, so that it never looks complete. */
export async function removeOutputSet(output: string, format: OutputFormat): Promise<void> {
  const [commit, ...rest] = outputSetFiles(output, format);
  await rm(commit as string, { recursive: true, force: true });
  await fsyncDir(dirname(commit as string));
  for (const f of rest) await rm(f, { recursive: true, force: true });
}

/** What `writeOutputSet` writes. */
export interface OutputSetContent {
  format: OutputFormat;
  output: string;
  schema: OutputSchema;
  batches: AsyncIterable<RowBatch>;
  errors: AsyncIterable<ErrorRow> | Iterable<ErrorRow>;
  /**
   * The provenance, with `rows` set to the number of rows `batches` holds: a different count
   * fails the write before anything is committed. `errors` and `errors_sha256` are filled here.
   */
  provenance: Provenance & { rows: number };
}

/** Writes a whole output set in the order that keeps it all or nothing (see the file comment). */
export async function writeOutputSet(
  content: OutputSetContent,
): Promise<{ rows: number; errors: number; errorsFile: string; provenance: Provenance }> {
  const { format, output, schema } = content;
  killPoint("before-finalise");
  await removeOutputSet(output, format);
  killPoint("old-set-removed");
  const errorsFile = errorsPathFor(output);
  const written = await writeErrors(errorsFile, content.errors);
  killPoint("errors-written");
  const provenance: Provenance = {
    ...content.provenance,
    errors: written.count,
    errors_sha256: written.sha256,
  };
  const batches = exactly(content.provenance.rows, content.batches, output);
  if (format === "parquet") await writeOutput(format, output, schema, batches, provenance);
  else {
    await writeOutput(format, output, schema, batches);
    killPoint("data-written");
    await writeProvenanceSidecar(output, provenance);
  }
  return { rows: content.provenance.rows, errors: written.count, errorsFile, provenance };
}

/** Passes `batches` through, failing at their end unless they held exactly `rows` rows. */
async function* exactly(
  rows: number,
  batches: AsyncIterable<RowBatch>,
  output: string,
): AsyncGenerator<RowBatch> {
  let n = 0;
  for await (const b of batches) {
    n += b.records.length;
    yield b;
  }
  if (n !== rows)
    throw new OutputSetError(`${output}: ${n} rows to write where ${rows} were counted`);
}

/** A complete output set, as `readFinishedOutput` found it. */
export interface FinishedOutput {
  provenance: Provenance;
  rows: number;
  errors: number;
  errorsFile: string;
}

/**
 * The complete output set at `output`, or null when its commit file does not exist. Throws an
 * OutputSetError when the commit file exists but the set cannot be trusted: no audiomap
 * provenance, no record of its counts (written by an older audiomap), or an errors file that is
 * missing or is not the one written with it.
 */
export async function readFinishedOutput(
  output: string,
  format: OutputFormat,
): Promise<FinishedOutput | null> {
  if (!existsSync(outputSetFiles(output, format)[0] as string)) return null;
  const provenance = await readProvenance(output);
  if (!provenance) throw new OutputSetError(`${output} has no audiomap provenance`);
  const { rows, errors, errors_sha256: sha } = provenance;
  if (rows === undefined || errors === undefined || sha === undefined)
    throw new OutputSetError(
      `${output} records no row and error counts (written by an older audiomap)`,
    );
  const errorsFile = errorsPathFor(output);
  const actual = existsSync(errorsFile) ? await fileSha256(errorsFile) : null;
  if (actual !== sha)
    throw new OutputSetError(
      `${output}: its errors file ${errorsFile} is ${actual === null ? "missing" : "not the one written with it (SHA-256 differs)"}`,
    );
  return { provenance, rows, errors, errorsFile };
}
