/** Opening what a command's `<source>` names: one audio file, or a dataset (see openDataset). */
import { stat } from "node:fs/promises";
import { basename, resolve } from "node:path";
import { type Command, Option } from "commander";
import { decodeLimitOptions } from "./options.js";
import { CliError, ExitCode } from "./run.js";

/** Dataset flags shared by commands. */
export interface SourceFlags {
  split?: string;
  language?: string;
  labelColumn?: string;
  audioColumn?: string;
}

/**
 * The dataset options every command with a `<source>` takes, as fresh commander Options (one
 * Option object cannot be shared by two commands): `.addOption(...)` each.
 */
export function sourceOptions(): Option[] {
  return [
    new Option(
      "--split <name>",
      "only this split: Speech Commands lists, Hub file names (data/test-*.parquet), split folders or a split column",
    ),
    new Option(
      "--label-column <name>",
      'label column of a Parquet file, manifest or AudioFolder (default "label")',
    ),
    new Option("--audio-column <name>", 'audio struct column of a Parquet file (default "audio")'),
    new Option("--language <code>", "MInDS-14 language, e.g. en-US"),
  ];
}

/**
 * Adds the options of a command that reads a `<source>`: the dataset options above, then the
 * decode limits (`--max-seconds`, `--allow-truncated`). Returns `command`, for chaining.
 */
export function addSourceOptions(command: Command): Command {
  for (const option of [...sourceOptions(), ...decodeLimitOptions()]) command.addOption(option);
  return command;
}

/** An opened source: the records, and how many there are when cheap to know. */
export interface OpenedSource {
  records: AsyncIterable<import("@audiomap/embeddings").AudioRecord>;
  kind: string;
  size?: number;
  /** Metadata column types the source declares (see OpenedDataset.columnTypes). */
  columnTypes?: Record<string, import("@audiomap/embeddings").MetadataType>;
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
  if (flags.labelColumn !== undefined && flags.labelColumn === "")
    throw new CliError("--label-column needs a column name", ExitCode.usage);
  try {
    const ds = await emb.openDataset(spec, {
      ...(flags.split !== undefined && { split: flags.split }),
      ...(flags.language !== undefined && { language: flags.language }),
      ...(flags.labelColumn !== undefined && { labelColumn: flags.labelColumn }),
      ...(flags.audioColumn !== undefined && { audioColumn: flags.audioColumn }),
    });
    return { records: ds, kind: ds.kind, columnTypes: ds.columnTypes };
  } catch (err) {
    // A layout that cannot be read, or a split it does not have, is a usage error (exit 2).
    if (err instanceof emb.DatasetError)
      throw new CliError(`${err.message} [${err.code}]`, ExitCode.usage);
    throw err;
  }
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
    columnTypes: Object.assign({}, ...opened.map((o) => o.columnTypes ?? {})),
    ...(sizes.every((n) => n !== undefined) && {
      size: sizes.reduce((a, b) => (a ?? 0) + (b ?? 0), 0),
    }),
  };
}
