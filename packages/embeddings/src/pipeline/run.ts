/**
 * A whole embedding run: source → (shard filter, resume filter) → `embedRecords` → committed
 * parts → final output set (output + errors file, see output-set.ts). Every record of the shard
 * ends up either as a row or as an error row.
 */
import { existsSync } from "node:fs";
import type { MetadataType } from "../datasets/types.js";
import {
  type ColumnType,
  metadataColumn,
  type OutputSchema,
  SchemaBuilder,
} from "../outputs/columns.js";
import { errorsPathFor } from "../outputs/errors.js";
import { type OutputFormat, resolveOutputFormat } from "../outputs/format.js";
import {
  type FinishedOutput,
  OutputSetError,
  readFinishedOutput,
  removeLeftovers,
  writeOutputSet,
} from "../outputs/output-set.js";
import { PartStore, partsDirFor, ResumeMismatchError } from "../outputs/parts.js";
import { checkOutputPath } from "../outputs/preflight.js";
import {
  AUDIOMAP_VERSION,
  PROVENANCE_OUTCOME,
  type Provenance,
  provenanceConflicts,
} from "../outputs/provenance.js";
import { killPoint } from "../outputs/test-hooks.js";
import { DEFAULT_BATCH_SECONDS, type EmbedOptions, embedRecords } from "./embed.js";
import { combinedWidth, parseLayerSpec } from "./layers.js";
import type { ErrorRow, IndexedRecord } from "./prepare.js";
import { inShard, type Shard } from "./shard.js";
import type { EmbeddingModel, InputRecord } from "./types.js";

/** Progress of a run, reported after every batch and chunk. */
export interface RunProgress {
  /** Records finished in this session (rows + errors). */
  done: number;
  failed: number;
  /** Audio seconds through the model in this session. */
  audioSec: number;
  /** Records this session has to do, when the source knows its size. */
  total?: number;
}

/** Options of `runEmbedding`. */
export interface RunOptions extends EmbedOptions {
  /** Output path: `.parquet`, `.csv`, `.npy` (+ `.jsonl` of the other columns), `.lance` or `.jsonl`; the extension names the format. */
  output: string;
  /** Default: from the output path. */
  format?: OutputFormat;
  /**
   * Continue an interrupted run, or report a finished one as complete. Refused (ResumeMismatch
   * Error, ERR_RESUME_MISMATCH) when the provenance this run would write differs from the
   * interrupted or finished run's in any field but PROVENANCE_OUTCOME. Default false.
   */
  resume?: boolean;
  /** Process only shard i of N. */
  shard?: Shard;
  /**
   * Other settings that change a row and that this function cannot see (e.g. a custom
   * decoder's options); recorded in the provenance as `settings`, so resume and merge compare
   * them. Default none.
   */
  manifest?: Record<string, unknown>;
  /**
   * What to record as the output's provenance besides the run's own settings (which this
   * function fills: layer, pool, normalize, frames, predict, window, overlap, decode limits,
   * sample rate, width, format, shard, and the counts), e.g. the model file, its SHA-256, the precision,
   * the source's identity (`source`, from `fingerprintSource`) and the command line. Resume
   * and merge compare every field. See `Provenance`.
   */
  provenance?: Partial<Provenance>;
  /** Size of the unsharded source, if known (for progress). */
  sourceSize?: number;
  /**
   * Metadata column types the source declares (`OpenedDataset.columnTypes`), by metadata key;
   * other columns are typed from their values.
   */
  columnTypes?: Readonly<Record<string, MetadataType>>;
  onProgress?: (p: RunProgress) => void;
}

/** What a run did. */
export interface RunSummary {
  output: string;
  errorsFile: string;
  format: OutputFormat;
  /** Rows in the output. */
  ok: number;
  /** Rows in the errors file. */
  failed: number;
  /** Records already done by an interrupted run and skipped now. */
  resumedFrom: number;
  shard?: Shard;
  dim: number;
  audioSec: number;
  wallSec: number;
  clipsPerSec: number;
  audioSecPerSec: number;
  /** Valid samples over padded samples across this session's batches. */
  paddingEfficiency: number;
  /** Batches split in two after the model ran out of memory (0 on a run that fit). */
  oomSplits: number;
  /** Audio seconds per batch at the end of the run: `batchSeconds`, lowered by any splits. */
  finalBatchSeconds: number;
  /**
   * Seconds the model (all copies together) ran forward calls, and sat idle just before them
   * waiting for the host; `modelSec / (modelSec + modelIdleSec)` is how busy the run kept it.
   * Both 0 when the model does not report timing.
   */
  modelSec: number;
  modelIdleSec: number;
  /** True when `resume` found the output already complete (`ok` and `failed` are its counts). */
  alreadyComplete?: boolean;
}

/**
 * How busy a run kept the model: its time on forward calls over that plus the time it sat idle
 * just before them. Null when the model reported no timing (`modelSec` 0).
 */
export function modelBusyShare(s: { modelSec: number; modelIdleSec: number }): number | null {
  return s.modelSec > 0 ? s.modelSec / (s.modelSec + s.modelIdleSec) : null;
}

/**
 * Embeds a source into an output file.
 * @example
 * await runEmbedding(model, openDataset("clips/"), { decode: decodeAudio, output: "emb.parquet" });
 */
export async function runEmbedding(
  model: EmbeddingModel,
  records: AsyncIterable<InputRecord> | Iterable<InputRecord>,
  options: RunOptions,
): Promise<RunSummary> {
  const t0 = performance.now();
  const format = resolveOutputFormat(options.output, options.format);
  // Before any decode or forward: an output that cannot be written fails now.
  await checkOutputPath(options.output, format);
  const errorsFile = errorsPathFor(options.output);
  const store = new PartStore(partsDirFor(options.output));
  const selection = parseLayerSpec(options.layer ?? "-1", model.info.numHiddenStates);
  const dim = combinedWidth(
    selection,
    (options.pool === "meanstd" ? 2 : 1) * model.info.hiddenSize,
  );
  const base = {
    output: options.output,
    errorsFile,
    format,
    shard: options.shard,
    dim,
  };
  const identity = runProvenance(model, options, format, dim);
  await removeLeftovers(options.output, format);
  const finished =
    options.resume && !existsSync(store.dir)
      ? await finishedOutput(options.output, format, identity)
      : null;
  if (finished) {
    return {
      ...base,
      ok: finished.rows,
      failed: finished.errors,
      resumedFrom: finished.rows + finished.errors,
      audioSec: 0,
      wallSec: 0,
      clipsPerSec: 0,
      audioSecPerSec: 0,
      paddingEfficiency: 1,
      oomSplits: 0,
      modelSec: 0,
      modelIdleSec: 0,
      finalBatchSeconds: options.batchSeconds ?? DEFAULT_BATCH_SECONDS,
      alreadyComplete: true,
    };
  }
  await store.open(identity, options.resume ?? false);
  const done = options.resume ? await store.doneIndices() : new Set<number>();
  const shard = options.shard;
  let seen = 0;
  async function* indexed(): AsyncGenerator<IndexedRecord> {
    for await (const record of records) {
      const index = seen++;
      if (inShard(index, shard) && !done.has(index)) yield { index, record };
    }
  }
  const total =
    options.sourceSize === undefined
      ? undefined
      : Math.ceil((options.sourceSize - (shard?.index ?? 0)) / (shard?.count ?? 1)) - done.size;
  const progress: RunProgress = { done: 0, failed: 0, audioSec: 0, total };
  let valid = 0;
  let padded = 0;
  let oomSplits = 0;
  let modelSec = 0;
  let modelIdleSec = 0;
  let budgetSamples: number | undefined;
  // Progress moves with every batch, not only when a chunk (512 clips by default) commits: the
  // clips of the batches since the last commit count as done, at most a chunk's worth (a long
  // recording's windows are several batch items), and each commit sets the exact count.
  let committed = 0;
  let sinceCommit = 0;
  const chunkCap = options.chunkRecords ?? 512;
  let parts = 0;
  for await (const chunk of embedRecords(model, indexed(), {
    ...options,
    onBatch: (b) => {
      progress.audioSec += b.audioSec;
      sinceCommit += b.clips;
      progress.done = committed + Math.min(sinceCommit, chunkCap);
      if (progress.total !== undefined) progress.done = Math.min(progress.done, progress.total);
      options.onBatch?.(b);
      options.onProgress?.(progress);
    },
  })) {
    await store.commit(chunk);
    killPoint(`part:${++parts}`);
    committed += chunk.indices.length;
    sinceCommit = 0;
    progress.done = committed;
    progress.failed += chunk.errors.length;
    valid += chunk.stats.validSamples;
    padded += chunk.stats.paddedSamples;
    oomSplits += chunk.stats.oomSplits;
    modelSec += chunk.stats.modelSec;
    modelIdleSec += chunk.stats.modelIdleSec;
    budgetSamples = chunk.stats.budgetSamples;
    options.onProgress?.(progress);
  }
  if (seen === 0) {
    // Nothing to embed: no output is written, since an empty file would read as a finished run.
    await store.remove();
    throw Object.assign(
      new Error(
        "the source holds no input: no audio file (by extension), manifest row or dataset record",
      ),
      { code: "ERR_EMPTY_SOURCE" },
    );
  }
  const { schema, rows, failed } = await finalSchema(
    store,
    dim,
    options.frames ? model.info.hiddenSize : undefined,
    selection.combine === "concat" ? selection.layers.length : 1,
    options.columnTypes,
  );
  const { rows: ok } = await writeOutputSet({
    format,
    output: options.output,
    schema,
    batches: store.batches(),
    errors: errorRows(store),
    provenance: { ...identity, source_records: seen, rows },
  });
  killPoint("committed");
  await store.remove();
  const wallSec = (performance.now() - t0) / 1000;
  return {
    ...base,
    ok,
    failed,
    resumedFrom: done.size,
    audioSec: progress.audioSec,
    wallSec,
    clipsPerSec: progress.done / wallSec,
    audioSecPerSec: progress.audioSec / wallSec,
    paddingEfficiency: padded === 0 ? 1 : valid / padded,
    oomSplits,
    modelSec,
    modelIdleSec,
    finalBatchSeconds:
      budgetSamples === undefined
        ? (options.batchSeconds ?? DEFAULT_BATCH_SECONDS)
        : budgetSamples / model.info.samplingRate,
  };
}

/**
 * The provenance of this run's output less its outcome: every setting that changes a row, and
 * the source's identity when the caller gives it. The `.parts` manifest holds it, so that
 * resume compares the same fields whether the run was interrupted or finished.
 */
function runProvenance(
  model: EmbeddingModel,
  options: RunOptions,
  format: OutputFormat,
  dim: number,
): Provenance {
  return {
    audiomap_version: AUDIOMAP_VERSION,
    ...options.provenance,
    layer: String(options.layer ?? "-1"),
    pool: options.pool ?? "mean",
    normalize: Boolean(options.normalize),
    frames: Boolean(options.frames),
    predict: Boolean(options.predict),
    // The defaults of EmbedOptions.windowSeconds and overlapSeconds.
    window_sec: options.windowSeconds ?? 30,
    overlap_sec: options.overlapSeconds ?? 2,
    // Which over-long or truncated inputs become rows; null is the decoder's default, and no
    // limit is "Infinity" (JSON has no infinity).
    max_seconds: jsonNumber(options.decodeLimits?.maxSeconds),
    allow_truncated: Boolean(options.decodeLimits?.allowTruncated),
    sample_rate: model.info.samplingRate,
    dim,
    format,
    shard: options.shard ?? null,
    ...(options.manifest && { settings: options.manifest }),
  };
}

function jsonNumber(x: number | undefined): number | string | null {
  return x === undefined ? null : Number.isFinite(x) ? x : String(x);
}

/**
 * The finished output a resume found, when it was made with `identity`'s settings and source;
 * null when there is none. Throws when it was made otherwise, or cannot be checked.
 */
async function finishedOutput(
  output: string,
  format: OutputFormat,
  identity: Provenance,
): Promise<FinishedOutput | null> {
  let finished: FinishedOutput | null;
  try {
    finished = await readFinishedOutput(output, format);
  } catch (err) {
    if (!(err instanceof OutputSetError)) throw err;
    throw new OutputSetError(`cannot resume: ${err.message}; rerun without --resume`);
  }
  if (!finished) return null;
  const conflicts = provenanceConflicts(finished.provenance, identity, PROVENANCE_OUTCOME);
  if (conflicts.length > 0)
    throw new ResumeMismatchError(
      `cannot resume: ${output} is complete but was made with different settings or another source (${conflicts.join("; ")}); rerun without --resume to replace it`,
    );
  return finished;
}

async function finalSchema(
  store: PartStore,
  dim: number,
  hidden: number | undefined,
  framesLayers: number,
  columnTypes: Readonly<Record<string, MetadataType>> = {},
): Promise<{ schema: OutputSchema; rows: number; failed: number }> {
  const declared: Record<string, ColumnType> = {};
  for (const [key, type] of Object.entries(columnTypes)) declared[metadataColumn(key)] = type;
  const builder = new SchemaBuilder(declared);
  let rows = 0;
  let failed = 0;
  for await (const part of store.indexes()) {
    for (const r of part.records) builder.add(r);
    rows += part.records.length;
    failed += part.errors.length;
  }
  const schema: OutputSchema = { columns: builder.columns(), dim };
  if (hidden !== undefined) schema.framesDim = hidden * framesLayers;
  return { schema, rows, failed };
}

async function* errorRows(store: PartStore): AsyncGenerator<ErrorRow> {
  for await (const part of store.indexes()) yield* part.errors;
}
