/** `audiomap embed <source> -o <out>`: a dataset or file to an embeddings table. */
import { resolve } from "node:path";
import { type Command, Option } from "commander";
import {
  type DecodeLimitFlags,
  decodeLimits,
  loadModelFromFlags,
  type ModelFlags,
  nonNegativeInt,
  nonNegativeNumber,
  OUTPUT_FORMATS,
  type OutputFormatFlag,
  outputFormat,
  positiveNumber,
} from "../options.js";
import { ProgressBar, progressEnabled } from "../progress.js";
import { CliError, ExitCode, interruptedError, onInterrupt } from "../run.js";
import { addSourceOptions, type SourceFlags } from "../sources.js";

interface EmbedFlags extends ModelFlags, SourceFlags, DecodeLimitFlags {
  output: string;
  devices?: string;
  layer: string;
  pool: "mean" | "meanstd" | "max";
  normalize?: boolean;
  frames?: boolean;
  predict?: boolean;
  format?: OutputFormatFlag;
  batchSeconds: number;
  window: number;
  overlap: number;
  resume?: boolean;
  chunkSize: number;
  shard?: string;
  shardCount?: number;
  json?: boolean;
  quiet?: boolean;
  features?: "mfcc" | "logmel";
}

/** Registers `embed`. */
export function registerEmbed(program: Command): void {
  const command = program
    .command("embed")
    .description(
      "embed every clip of a dataset (or one file) into Parquet, CSV, .npy, JSONL or LanceDB",
    )
    .argument(
      "<source>",
      "audio file, folder, Speech Commands / MINDS-14 folder, CSV/JSONL manifest or Parquet",
    )
    .requiredOption(
      "-o, --output <path>",
      "output: .parquet, .csv, .npy (+ .jsonl of the other columns), .lance table or .jsonl; the extension names the format",
    )
    .option(
      "--model <file.pt>",
      "exported model (default: $AUDIOMAP_MODEL, else the bundled @audiomap/model-kws)",
    )
    .addOption(
      new Option(
        "--features <kind>",
        "baseline features instead of a model: mfcc (40 values) or logmel (128); not with --model or --frames",
      ).choices(["mfcc", "logmel"]),
    )
    .option(
      "--layer <spec>",
      'hidden state: -1 (final), 6, "4,8" (concatenated), "-4:-1" (mean of a range)',
      "-1",
    )
    .addOption(
      new Option("--pool <mode>", "pooling over frames")
        .choices(["mean", "meanstd", "max"])
        .default("mean"),
    )
    .option("--normalize", "L2-normalise each embedding")
    .option("--frames", "also write frame-level vectors (Parquet only)")
    .option(
      "--predict",
      "also write the head's top label and its probability (prediction, prediction_score), from the same forward pass",
    )
    .addOption(
      new Option(
        "--format <format>",
        "output format, for a name with another extension (default: from the extension)",
      ).choices(OUTPUT_FORMATS),
    )
    .option("--batch-seconds <s>", "padded audio per batch, seconds", positiveNumber, 30)
    .option("--window <s>", "window for long recordings, seconds", positiveNumber, 30)
    .option("--overlap <s>", "overlap between windows, seconds", nonNegativeNumber, 2)
    .option(
      "--resume",
      "continue an interrupted run; refused (exit 2) if a setting or the source changed",
    )
    .option(
      "--chunk-size <n>",
      "records per committed part (the unit of --resume)",
      positiveNumber,
      512,
    )
    .option(
      "--shard <i/N>",
      "process shard i of N (also from SLURM_ARRAY_TASK_ID/COUNT, JOB_COMPLETION_INDEX)",
    )
    .option(
      "--shard-count <N>",
      "number of shards when JOB_COMPLETION_INDEX gives the index",
      nonNegativeInt,
    );
  addSourceOptions(command)
    .option("--device <device>", "auto, cpu, cuda or cuda:N", "auto")
    .option(
      "--devices <list>",
      "one model copy per device, fed from the same queue (e.g. cuda:0,cuda:1)",
    )
    .addOption(
      new Option(
        "--dtype <dtype>",
        "model precision; qint8 needs a file exported with --dtype qint8 (CPU)",
      ).choices(["float32", "float16", "bfloat16", "qint8"]),
    )
    .option("--threads <n>", "intra-op threads (default: all cores)", nonNegativeInt)
    .option("--json", "print a JSON summary on stdout")
    .option("-q, --quiet", "no progress bar")
    .addHelpText(
      "after",
      "\nExample:\n  audiomap embed speech_commands/ --split test -o sc-test.parquet",
    )
    .action(async (source: string, flags: EmbedFlags) => runEmbed(source, flags));
}

async function runEmbed(source: string, flags: EmbedFlags): Promise<void> {
  if (flags.features && flags.model)
    throw new CliError("--features and --model cannot be used together", ExitCode.usage);
  if (flags.features && flags.frames)
    throw new CliError("--features gives clip vectors only, not --frames", ExitCode.usage);
  if (flags.features && flags.predict)
    throw new CliError("--features has no classification head for --predict", ExitCode.usage);
  const emb = await import("@audiomap/embeddings");
  let shard: { index: number; count: number } | undefined;
  try {
    if (flags.shardCount !== undefined)
      process.env[emb.SHARD_ENV.shardCount] = String(flags.shardCount);
    shard = flags.shard ? emb.parseShard(flags.shard) : emb.shardFromEnv();
  } catch (err) {
    throw new CliError((err as Error).message, ExitCode.usage);
  }
  const format = await outputFormat(flags.output, flags.format);
  if (flags.frames && format !== "parquet")
    throw new CliError("--frames needs --format parquet", ExitCode.usage);
  if (!(flags.window > flags.overlap))
    throw new CliError(
      `--window (${flags.window} s) must be longer than --overlap (${flags.overlap} s)`,
      ExitCode.usage,
    );
  // Before the model loads and the first clip decodes: an output that cannot be written fails
  // now, not after every clip is embedded.
  await emb.checkOutputPath(flags.output, format).catch((err: Error) => {
    throw new CliError(err.message, ExitCode.usage);
  });
  const { openSource } = await import("../sources.js");
  const opened = await openSource(source, flags);
  // What resume and merge compare the source by (see fingerprintSource): taken before any
  // record is read, leaving out this run's own files should the output sit inside the source.
  const fingerprint = await emb.fingerprintSource(source, opened.kind as "file", {
    exclude: (p) => emb.isOutputSetPath(flags.output, p),
  });
  const devices = flags.devices?.split(",").map((d) => d.trim()) ?? [];
  if (devices.length > 0 && (flags.features || devices.some((d) => d === "")))
    throw new CliError(
      "--devices takes a comma-separated list of devices, with --model",
      ExitCode.usage,
    );
  // Loading LibTorch and the model takes a second or more: say so where a bar will follow (the
  // bar's first draw erases the line).
  if (progressEnabled(flags.quiet)) process.stderr.write("loading the model…\r");
  const { model, path: modelPath } = flags.features
    ? featureRunner(emb.featureModel({ kind: flags.features }), flags.features)
    : await loadModelFromFlags(devices.length > 0 ? { ...flags, device: devices[0] } : flags);
  const replicas = [];
  try {
    for (const device of devices.slice(1)) {
      replicas.push((await loadModelFromFlags({ ...flags, device })).model);
    }
  } catch (err) {
    await Promise.all([model, ...replicas].map((m) => m.dispose()));
    throw err;
  }
  try {
    emb.parseLayerSpec(flags.layer, model.info.numHiddenStates);
    if (flags.predict) emb.requireLabels(model.info);
  } catch (err) {
    await Promise.all([model, ...replicas].map((m) => m.dispose()));
    throw new CliError((err as Error).message, ExitCode.usage);
  }
  const bar = new ProgressBar(progressEnabled(flags.quiet));
  // The ETA needs the source's size: count it first when listing is cheap (not for Parquet,
  // whose records carry the audio bytes).
  let size = opened.size;
  if (size === undefined && progressEnabled(flags.quiet) && opened.kind !== "parquet") {
    size = 0;
    for await (const _ of opened.records) size++;
  }
  const controller = new AbortController();
  // Ctrl-C stops at the next batch boundary; committed chunks stay for --resume.
  const offInterrupt = onInterrupt(() =>
    controller.abort(interruptedError("rerun with --resume to continue")),
  );
  try {
    const summary = await emb.runEmbedding(model, opened.records, {
      replicas,
      output: flags.output,
      format,
      decode: emb.decodeAudio,
      decodeLimits: decodeLimits(flags),
      layer: flags.layer,
      pool: flags.pool,
      normalize: Boolean(flags.normalize),
      frames: Boolean(flags.frames),
      predict: Boolean(flags.predict),
      batchSeconds: flags.batchSeconds,
      windowSeconds: flags.window,
      overlapSeconds: flags.overlap,
      resume: Boolean(flags.resume),
      chunkRecords: Math.floor(flags.chunkSize),
      shard,
      sourceSize: size,
      ...(opened.columnTypes && { columnTypes: opened.columnTypes }),
      signal: controller.signal,
      provenance: {
        model: modelPath,
        ...(!flags.features && { model_sha256: await emb.fileSha256(modelPath) }),
        model_info: modelInfo(model.info),
        dtype: flags.dtype ?? "float32",
        source: {
          kind: opened.kind,
          split: flags.split ?? null,
          language: flags.language ?? null,
          label_column: flags.labelColumn ?? null,
          audio_column: flags.audioColumn ?? null,
          ...fingerprint,
        },
        source_path: resolve(source),
        command: process.argv.slice(1),
      },
      onProgress: (p) => bar.update(p),
    });
    bar.done();
    const out = {
      ...summary,
      model: modelPath,
      device: model.device,
      ...(replicas.length > 0 && { devices: [model, ...replicas].map((m) => m.device) }),
      source,
      sourceKind: opened.kind,
    };
    if (flags.json) process.stdout.write(`${JSON.stringify(out)}\n`);
    else if (!flags.quiet) {
      const note = summary.alreadyComplete ? " (already complete)" : "";
      const busy = emb.modelBusyShare(summary);
      process.stderr.write(
        `${summary.ok} embedded, ${summary.failed} failed${note} → ${summary.output}` +
          `${summary.failed ? ` (errors: ${summary.errorsFile})` : ""}\n` +
          `${summary.audioSec.toFixed(1)} s of audio in ${summary.wallSec.toFixed(1)} s: ` +
          `${summary.audioSecPerSec.toFixed(1)} audio-s/s, padding efficiency ${(summary.paddingEfficiency * 100).toFixed(1)}%` +
          (busy === null ? "" : `, model busy ${(100 * busy).toFixed(1)}%`) +
          "\n" +
          (summary.oomSplits > 0
            ? `out of memory: ${summary.oomSplits} batch(es) split and retried; batch budget ` +
              `lowered to ${summary.finalBatchSeconds.toFixed(1)} s of audio (--batch-seconds)\n`
            : ""),
      );
    }
    if (summary.failed > 0) process.exitCode = ExitCode.partial;
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === "ERR_EMPTY_SOURCE")
      throw new CliError(`${source}: ${(err as Error).message}; nothing written`, ExitCode.usage);
    // Other flags or another source than the run being resumed: a usage error.
    if (code === "ERR_RESUME_MISMATCH")
      throw new CliError(`${(err as Error).message} [${code}]`, ExitCode.usage);
    if (code === "ENOSPC")
      throw new CliError(
        `${(err as Error).message} [ENOSPC]; the finished chunks are kept: free some space and rerun with --resume`,
      );
    throw err;
  } finally {
    offInterrupt();
    bar.done();
    await Promise.all([model, ...replicas].map((m) => m.dispose()));
  }
}

/**
 * Baseline features (`featureModel`) shaped like a loaded model for `runEmbed`: CPU, nothing
 * to free; `path` is what the manifest and summary record as the model, e.g. "features:mfcc".
 */
function featureRunner<M extends object>(model: M, kind: string) {
  return {
    model: Object.assign(model, { device: "cpu", dispose: async () => {} }),
    path: `features:${kind}`,
  };
}

/** The model metadata worth keeping with an output: everything but the full HF config. */
function modelInfo(info: object): Record<string, unknown> {
  const { config: _config, ...rest } = info as Record<string, unknown>;
  return rest;
}
