/** `audiomap info <model.pt | output>`: an exported model's metadata, or what made an output. */
import { existsSync } from "node:fs";
import type { Command } from "commander";
import { loadModelFromFlags } from "../options.js";
import { addOutputOptions, type OutputFlags } from "../output.js";
import { CliError, ExitCode } from "../run.js";

/** Registers `info`. */
export function registerInfo(program: Command): void {
  const command = program
    .command("info")
    .description("print an exported model's metadata and where it runs, or an output's provenance")
    .argument(
      "[model]",
      "model file (default: $AUDIOMAP_MODEL, else the bundled @audiomap/model-kws)",
    )
    .option("--device <device>", "auto, cpu, cuda or cuda:N", "cpu");
  addOutputOptions(command, "print the metadata as one JSON document on stdout")
    .addHelpText(
      "after",
      "\nExamples:\n  audiomap info\n  audiomap info model.pt --json\n  audiomap info emb.parquet",
    )
    .action(async (modelArg: string | undefined, flags: { device: string } & OutputFlags) => {
      const emb = await import("@audiomap/embeddings");
      if (modelArg && emb.formatFromPath(modelArg)) return outputInfo(modelArg, flags);
      const { model, path } = await loadModelFromFlags({ model: modelArg, device: flags.device });
      try {
        const { config: _config, ...info } = model.info as typeof model.info & { config?: unknown };
        const out = {
          path,
          device: model.device,
          dtype: model.dtype,
          parameterBytes: model.parameterBytes,
          ...info,
        };
        if (flags.json) {
          process.stdout.write(`${JSON.stringify({ ...out, config: model.info.config })}\n`);
          return;
        }
        const lines = [
          `path                 ${path}`,
          `architecture         ${info.architecture} (format ${info.format} v${info.formatVersion})`,
          `parameters           ${(model.parameterBytes / 4 / 1e6).toFixed(2)} M (${(model.parameterBytes / 2 ** 20).toFixed(1)} MiB)`,
          `hidden size          ${info.hiddenSize}`,
          `layers               ${info.numHiddenLayers} (hidden states 0..${info.numHiddenStates - 1})`,
          `attention heads      ${info.numAttentionHeads}`,
          `position embeddings  ${info.positionEmbeddingsType}`,
          `feature extractor    ${info.featExtractNorm} norm, kernels [${info.convKernel}], strides [${info.convStride}]`,
          `sampling rate        ${info.samplingRate} Hz (normalise input: ${info.doNormalize ? "yes" : "no"})`,
          `min samples          ${info.minSamples}`,
          `padding              ${info.paddingMode}`,
          `head                 ${info.hasHead ? `${info.labels?.length} labels: ${info.labels?.join(", ")}` : "none"}`,
          `source               ${info.source}`,
          `exported with torch  ${info.torchVersion}`,
          `device               ${model.device} (${model.dtype})`,
        ];
        process.stdout.write(`${lines.join("\n")}\n`);
      } finally {
        await model.dispose();
      }
    });
}

/** Prints the provenance an embeddings output carries (Parquet metadata or sidecar). */
async function outputInfo(path: string, flags: OutputFlags): Promise<void> {
  if (!existsSync(path)) throw new CliError(`input not found: ${path}`, ExitCode.usage);
  const emb = await import("@audiomap/embeddings");
  const provenance = await emb.readProvenance(path);
  if (!provenance)
    throw new CliError(`${path} carries no audiomap provenance (not written by audiomap embed)`);
  if (flags.json) {
    process.stdout.write(`${JSON.stringify({ path, ...provenance })}\n`);
    return;
  }
  const { model_info: info, command, ...rest } = provenance;
  const lines = Object.entries({ path, ...rest }).map(
    ([k, v]) => `${k.padEnd(20)} ${typeof v === "string" ? v : JSON.stringify(v)}`,
  );
  if (info) {
    const i = info as Record<string, unknown>;
    lines.push(
      `${"model arch".padEnd(20)} ${i.architecture}, ${i.numHiddenLayers} layers × ${i.hiddenSize}, exported with torch ${i.torchVersion}`,
    );
  }
  if (command) lines.push(`${"command".padEnd(20)} ${command.join(" ")}`);
  process.stdout.write(`${lines.join("\n")}\n`);
}
