/**
 * The staging folder that makes a run resumable. Each finished chunk is committed as a part:
 * `part-<first index>.f32` (embeddings, then frames) is written and renamed into place first,
 * then `part-<first index>.json` (rows, errors, the indices it accounts for) — the .json rename
 * is the commit. A SIGKILL at any instant leaves only whole committed parts plus, at most, an
 * orphan .f32 or temp file, which are ignored and overwritten. `manifest.json` records the
 * settings and the source's identity (the provenance the output will carry, less its
 * outcome), so a resume with other settings or another source is refused instead of mixing
 * outputs.
 */
import { mkdir, readdir, readFile, rename, rm } from "node:fs/promises";
import { join } from "node:path";
import type { EmbeddedChunk } from "../pipeline/embed.js";
import type { ErrorRow } from "../pipeline/prepare.js";
import { removeStaleTemps, writeAtomic, writeTextAtomic } from "./atomic.js";
import { flattenRow, type RowBatch } from "./columns.js";
import { PROVENANCE_OUTCOME, type Provenance, provenanceConflicts } from "./provenance.js";
import { killPoint } from "./test-hooks.js";

/** What a committed part's .json holds. */
interface PartIndex {
  first: number;
  indices: number[];
  records: Record<string, unknown>[];
  errors: ErrorRow[];
  dim: number;
  frames?: { counts: number[]; dim: number };
}

/** A resume whose settings or source differ from those of the run it would continue. */
export class ResumeMismatchError extends Error {
  readonly code = "ERR_RESUME_MISMATCH";
}

/** The staging folder of an output path. */
export function partsDirFor(output: string): string {
  return `${output}.parts`;
}

function partName(first: number): string {
  return `part-${String(first).padStart(12, "0")}`;
}

/** Reads and writes the committed parts of one output. */
export class PartStore {
  constructor(readonly dir: string) {}

  /**
   * Prepares the folder. Without `resume` any earlier staging is discarded; with it the saved
   * manifest must agree with `manifest` on every field but PROVENANCE_OUTCOME, or this throws a
   * ResumeMismatchError naming the fields.
   */
  async open(manifest: Provenance, resume: boolean): Promise<void> {
    const path = join(this.dir, "manifest.json");
    if (resume) {
      const saved = await readFile(path, "utf8").catch(() => undefined);
      if (saved !== undefined) {
        const conflicts = provenanceConflicts(
          JSON.parse(saved) as Provenance,
          manifest,
          PROVENANCE_OUTCOME,
        );
        if (conflicts.length > 0) {
          throw new ResumeMismatchError(
            `cannot resume: the interrupted run used different settings or another source (${conflicts.join("; ")}); rerun without --resume to start over`,
          );
        }
        await removeStaleTemps(this.dir);
        return;
      }
    }
    await rm(this.dir, { recursive: true, force: true });
    await mkdir(this.dir, { recursive: true });
    await writeTextAtomic(path, JSON.stringify(manifest));
  }

  /** First indices of the committed parts, ascending. */
  async committed(): Promise<number[]> {
    const names = await readdir(this.dir).catch(() => [] as string[]);
    return names
      .filter((n) => /^part-\d+\.json$/.test(n))
      .map((n) => Number(n.slice(5, -5)))
      .sort((a, b) => a - b);
  }

  /** Every source index that committed parts account for (rows and errors). */
  async doneIndices(): Promise<Set<number>> {
    const done = new Set<number>();
    for (const first of await this.committed())
      for (const i of (await this.readIndex(first)).indices) done.add(i);
    return done;
  }

  /** Commits one chunk. */
  async commit(chunk: EmbeddedChunk): Promise<void> {
    const first = chunk.indices[0];
    if (first === undefined) return;
    const base = join(this.dir, partName(first));
    await writeAtomic(`${base}.f32`, async (tmp) => {
      const { open } = await import("node:fs/promises");
      const fh = await open(tmp, "w");
      try {
        const e = chunk.embeddings;
        await fh.write(new Uint8Array(e.buffer, e.byteOffset, e.byteLength));
        const f = chunk.frames?.data;
        if (f) await fh.write(new Uint8Array(f.buffer, f.byteOffset, f.byteLength));
      } finally {
        await fh.close();
      }
    });
    const index: PartIndex = {
      first,
      indices: chunk.indices,
      records: chunk.rows.map(flattenRow),
      errors: chunk.errors,
      dim: chunk.dim,
    };
    if (chunk.frames)
      index.frames = { counts: Array.from(chunk.frames.counts), dim: chunk.frames.dim };
    await writeTextAtomic(`${base}.json`, JSON.stringify(index));
  }

  private async readIndex(first: number): Promise<PartIndex> {
    return JSON.parse(
      await readFile(join(this.dir, `${partName(first)}.json`), "utf8"),
    ) as PartIndex;
  }

  /** The committed parts' rows, one batch per part, in source order. */
  async *batches(): AsyncGenerator<RowBatch> {
    for (const first of await this.committed()) {
      const part = await this.readIndex(first);
      const buf = await readFile(join(this.dir, `${partName(first)}.f32`));
      const all = new Float32Array(
        buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength),
      );
      const n = part.records.length * part.dim;
      const batch: RowBatch = {
        records: part.records,
        embeddings: all.subarray(0, n),
        dim: part.dim,
      };
      if (part.frames) {
        batch.frames = {
          data: all.subarray(n),
          counts: Int32Array.from(part.frames.counts),
          dim: part.frames.dim,
        };
      }
      yield batch;
    }
  }

  /** Every part's metadata records and errors, in source order, without the vectors. */
  async *indexes(): AsyncGenerator<{
    records: Record<string, unknown>[];
    errors: ErrorRow[];
    dim: number;
  }> {
    for (const first of await this.committed()) yield await this.readIndex(first);
  }

  /**
   * Removes the folder after the final output is in place. It is renamed away first so that a
   * kill during the removal cannot leave a half-deleted folder that looks like a resumable run.
   */
  async remove(): Promise<void> {
    const trash = `${this.dir}.trash-${process.pid}`;
    await rename(this.dir, trash).catch(() => {});
    killPoint("parts-trashed");
    await rm(trash, { recursive: true, force: true });
  }
}
