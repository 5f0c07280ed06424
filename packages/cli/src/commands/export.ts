/**
 * `audiomap export`: a Hugging Face Wav2Vec2-Conformer checkpoint (or random weights) to the
 * TorchScript file the addon loads, through the project's Python exporter (tools/export, shipped
 * in this package's python/ folder).
 */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { type Command, Option } from "commander";
import { addOutputOptions, emit, type OutputFlags } from "../output.js";
import { CliError, ExitCode } from "../run.js";

interface ExportFlags extends OutputFlags {
  output: string;
  randomInit?: boolean;
  config?: string;
  seed?: string;
  withHead?: boolean;
  numLabels?: string;
  labelsFrom?: string;
  paddingMode?: string;
  dtype?: string;
  baseOnly?: boolean;
  normalize?: boolean;
  saveCheckpoint?: string;
}

/** Registers `export`. */
export function registerExport(program: Command): void {
  const command = program
    .command("export")
    .description(
      "export a Hugging Face Wav2Vec2-Conformer checkpoint (or random weights) to TorchScript",
    )
    .argument(
      "[checkpoint]",
      "HF checkpoint folder: config.json + model.safetensors or pytorch_model.bin",
    )
    .requiredOption("-o, --output <file.pt>", "TorchScript file to write")
    .option("--random-init", "random weights from --config instead of a checkpoint")
    .option("--config <config.json>", "HF-style config for --random-init")
    .option("--seed <n>", "seed of --random-init (default: 0)")
    .option("--with-head", "add a classification head (--random-init)")
    .option("--num-labels <n>", "head with labels LABEL_0.. (--random-init)")
    .option("--labels-from <file>", "head labels: JSON list or id2label, or one per line")
    .addOption(
      new Option(
        "--padding-mode <mode>",
        "masked: padding never changes a clip's output; hf: as HF eager (default: masked)",
      ).choices(["masked", "hf"]),
    )
    .addOption(
      new Option(
        "--dtype <dtype>",
        "weight dtype (default: float32); qint8: dynamic int8 quantisation of the encoder, CPU only",
      ).choices(["float32", "float16", "bfloat16", "qint8"]),
    )
    .option("--base-only", "export only the base model of a checkpoint with a head")
    .option("--no-normalize", "mark the model's input as not normalised (--random-init)")
    .option(
      "--save-checkpoint <dir>",
      "also write the random model as an HF checkpoint (--random-init)",
    );
  addOutputOptions(command, "print {output, bytes, sha256, metadata} as one JSON document")
    .addHelpText(
      "after",
      `
The exporter runs in Python with torch: $AUDIOMAP_PYTHON, else /usr/bin/python3, else python3
(Debian: sudo apt-get install python3-torch). Export with the torch major version of the
LibTorch that will load the file: a file saved by torch 2.x does not load in LibTorch 1.13
(Debian bookworm's libtorch-dev), and the reverse is not supported either.

Examples:
  audiomap export path/to/checkpoint -o model.pt
  audiomap export --random-init --config config.json --seed 1 -o random.pt`,
    )
    .action(async (checkpoint: string | undefined, flags: ExportFlags) =>
      runExport(checkpoint, flags),
    );
}

/** The exporter's own arguments for these flags. */
function exporterArgs(checkpoint: string | undefined, f: ExportFlags): string[] {
  if (checkpoint && f.randomInit)
    throw new CliError(
      "give either a checkpoint folder or --random-init, not both",
      ExitCode.usage,
    );
  if (!checkpoint && !f.randomInit)
    throw new CliError("need a checkpoint folder (or --random-init --config FILE)", ExitCode.usage);
  if (f.randomInit && !f.config)
    throw new CliError("--random-init needs --config <config.json>", ExitCode.usage);
  for (const path of [checkpoint, f.config, f.labelsFrom])
    if (path && !existsSync(path))
      throw new CliError(`not found: ${resolve(path)}`, ExitCode.usage);
  const args = ["export", ...(checkpoint ? [resolve(checkpoint)] : []), "-o", resolve(f.output)];
  const value = (flag: string, v: string | undefined) => (v === undefined ? [] : [flag, v]);
  const path = (flag: string, v: string | undefined) => value(flag, v && resolve(v));
  args.push(
    ...(f.randomInit ? ["--random-init"] : []),
    ...path("--config", f.config),
    ...value("--seed", f.seed),
    ...(f.withHead ? ["--with-head"] : []),
    ...value("--num-labels", f.numLabels),
    ...path("--labels-from", f.labelsFrom),
    ...value("--padding-mode", f.paddingMode),
    ...value("--dtype", f.dtype),
    ...(f.baseOnly ? ["--base-only"] : []),
    ...(f.normalize === false ? ["--no-normalize"] : []),
    ...path("--save-checkpoint", f.saveCheckpoint),
  );
  return args;
}

async function runExport(checkpoint: string | undefined, flags: ExportFlags): Promise<void> {
  const args = exporterArgs(checkpoint, flags);
  const { findPython, pythonDir } = await import("../python.js");
  const python = findPython(
    [
      { module: "torch", apt: "python3-torch" },
      { module: "numpy", apt: "python3-numpy" },
    ],
    "audiomap export",
  );
  const env = {
    ...process.env,
    PYTHONPATH: [pythonDir, process.env.PYTHONPATH].filter(Boolean).join(":"),
    PYTHONDONTWRITEBYTECODE: "1",
  };
  // The exporter reports on its stdout: under --json that goes to stderr (stdout holds only the
  // JSON document), under -q nowhere. Its errors are on stderr and always shown.
  const stdout = flags.json ? 2 : flags.quiet ? "ignore" : "inherit";
  const code = await runPython(python, ["-m", "audiomap_export", ...args], env, stdout);
  // The exporter exits 2 for bad arguments or a bad checkpoint, after printing why.
  if (code !== 0)
    throw new CliError(
      `the exporter (${python} -m audiomap_export) exited with ${code}`,
      code === 2 ? ExitCode.usage : ExitCode.failure,
    );
  const output = resolve(flags.output);
  let summary: Record<string, unknown> = { output };
  if (flags.json) {
    const { statSync } = await import("node:fs");
    const { fileSha256 } = await import("@audiomap/embeddings");
    const chunks: Buffer[] = [];
    const info = await runPython(
      python,
      ["-m", "audiomap_export", "info", output],
      env,
      "pipe",
      (c) => chunks.push(c),
    );
    if (info !== 0) throw new CliError(`${output}: the exporter cannot read back its metadata`);
    summary = {
      output,
      bytes: statSync(output).size,
      sha256: await fileSha256(output),
      metadata: JSON.parse(Buffer.concat(chunks).toString("utf8")),
    };
  }
  emit(flags, summary, () => [], process.stderr);
}

/** Runs Python to its exit code; `onStdout` gets the child's stdout when it is piped. */
async function runPython(
  python: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  stdout: "inherit" | "ignore" | "pipe" | 2,
  onStdout?: (chunk: Buffer) => void,
): Promise<number | null> {
  const child = spawn(python, args, { stdio: ["inherit", stdout, "inherit"], env });
  if (onStdout) child.stdout?.on("data", onStdout);
  return new Promise<number | null>((res, rej) => {
    child.once("error", rej);
    child.once("close", res);
  });
}
