/** Opening what a command's `<source>` names: one audio file, or a dataset (see openDataset). */
import { stat } from "node:fs/promises";
import { basename, resolve } from "node:path";
import { CliError, ExitCode } from "./run.js";

/** Dataset flags shared by commands. */
export interface SourceFlags {
  split?: string;
  language?: string;
}

/** An opened source: the records, and how many there are when cheap to know. */
export interface OpenedSource {
  records: AsyncIterable<import("@audiomap/embeddings").AudioRecord>;
  kind: string;
  size?: number;
}

/**
 * Opens `spec`. A single audio file becomes a one-record source; anything else goes to
 * `openDataset` (Speech Commands, MINDS-14, CSV/JSONL manifest, HF Parquet, folder).
 */
export async function openSource(spec: string, flags: SourceFlags = {}): Promise<OpenedSource> {
  const emb = await import("@audiomap/embeddings");
  const info = await stat(spec).catch(() => null);
  if (!info) throw new CliError(`source not found: ${spec}`, ExitCode.usage);
  if (info.isFile() && emb.isAudioFile(spec)) {
    const path = resolve(spec);
    return {
      records: [{ id: basename(path), source: { path }, metadata: {} }] as never,
      kind: "file",
      size: 1,
    };
  }
  const ds = await emb.openDataset(spec, {
    split: flags.split as never,
    language: flags.language,
  });
  return { records: ds, kind: ds.kind };
}

/**
 * Opens every spec (as `openSource`) and chains their records in the order given, as a shell
 * glob hands them over (`classify *.wav`). Every spec is checked before any record is read.
 */
export async function openSources(specs: string[], flags: SourceFlags = {}): Promise<OpenedSource> {
  if (specs.length === 1) return openSource(specs[0]!, flags);
  const opened: OpenedSource[] = [];
  for (const spec of specs) opened.push(await openSource(spec, flags));
  const sizes = opened.map((o) => o.size);
  async function* chained() {
    for (const o of opened) yield* o.records;
  }
  return {
    records: chained(),
    kind: [...new Set(opened.map((o) => o.kind))].join("+"),
    ...(sizes.every((n) => n !== undefined) && {
      size: sizes.reduce((a, b) => (a ?? 0) + (b ?? 0), 0),
    }),
  };
}
