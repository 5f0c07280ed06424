/** Option parsers and model options shared by commands. */
import { InvalidArgumentError, Option } from "commander";

/** Parses a positive number option. */
export function positiveNumber(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0)
    throw new InvalidArgumentError(`expected a positive number, got "${value}"`);
  return n;
}

/** Parses a number ≥ 0. */
export function nonNegativeNumber(value: string): number {
  const n = Number(value);
  if (!(n >= 0)) throw new InvalidArgumentError(`expected a number ≥ 0, got "${value}"`);
  return n;
}

/** Parses a non-negative integer option. */
export function nonNegativeInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0)
    throw new InvalidArgumentError(`expected a whole number ≥ 0, got "${value}"`);
  return n;
}

/** Parses a probability in [0, 1]. */
export function probability(value: string): number {
  const n = Number(value);
  if (!(n >= 0 && n <= 1))
    throw new InvalidArgumentError(`expected a number in [0, 1], got "${value}"`);
  return n;
}

/** The decode limits, as `embed` and `classify` take them. */
export interface DecodeLimitFlags {
  maxSeconds?: number;
  allowTruncated?: boolean;
}

/** `--max-seconds` and `--allow-truncated` (see DecodeLimits in @audiomap/embeddings). */
export function decodeLimitOptions(): Option[] {
  return [
    new Option(
      "--max-seconds <s>",
      "longest input decoded, seconds; a longer one is an error row ERR_TOO_LONG (default: 14400, 4 h)",
    ).argParser(positiveNumber),
    new Option(
      "--allow-truncated",
      "keep the audio present in a file shorter than its header says (default: an error row ERR_TRUNCATED)",
    ),
  ];
}

/** The `DecodeLimits` the flags ask for; unset flags keep the decoder's defaults. */
export function decodeLimits(flags: DecodeLimitFlags) {
  return { maxSeconds: flags.maxSeconds, allowTruncated: Boolean(flags.allowTruncated) };
}

/** Options every model-loading command takes. */
export interface ModelFlags {
  model?: string;
  device?: string;
  dtype?: "float32" | "float16" | "bfloat16" | "qint8";
  threads?: number;
  /** -q: no note on stderr (the auto-device fallback). */
  quiet?: boolean;
}

/** Loads the model named by the flags (LibTorch is imported here, only when a command runs). */
export async function loadModelFromFlags(flags: ModelFlags) {
  const { resolveModelPath } = await import("./model-path.js");
  const path = await resolveModelPath(flags.model);
  const { autoDeviceFallback, loadModel } = await import("@audiomap/core-native");
  const model = await loadModel(path, {
    device: (flags.device ?? "auto") as never,
    dtype: flags.dtype ?? "float32",
    threads: flags.threads ?? 0,
  });
  // A CUDA build that finds no GPU says so, once, rather than running slowly in silence.
  const fallback = (flags.device ?? "auto") === "auto" ? autoDeviceFallback() : null;
  if (fallback && !flags.quiet) process.stderr.write(`audiomap: --device auto: ${fallback}\n`);
  return { model, path };
}

/** The output formats of `embed` and `merge`, each named by its extension (`.parquet`, …). */
export const OUTPUT_FORMATS = ["parquet", "csv", "npy", "lance", "jsonl"] as const;
export type OutputFormatFlag = (typeof OUTPUT_FORMATS)[number];

/**
 * The format to write `output` in (its extension, which `--format` must agree with), or a
 * usage error (exit 2) naming the contradiction.
 */
export async function outputFormat(output: string, flag?: OutputFormatFlag) {
  const { resolveOutputFormat } = await import("@audiomap/embeddings");
  try {
    return resolveOutputFormat(output, flag);
  } catch (err) {
    const { CliError, ExitCode } = await import("./run.js");
    throw new CliError((err as Error).message, ExitCode.usage);
  }
}
