/** `audiomap info <model.pt>`: the exported model's metadata. */
import type { Command } from "commander";
import { loadModelFromFlags } from "../options.js";

/** Registers `info`. */
export function registerInfo(program: Command): void {
  program
    .command("info")
    .description("Print an exported model's metadata (audiomap.json) and where it runs")
    .argument(
      "[model]",
      "model file (default: $AUDIOMAP_MODEL, else the bundled @audiomap/model-kws)",
    )
    .option("--device <device>", "auto, cpu, cuda or cuda:N", "cpu")
    .option("--json", "print JSON")
    .action(async (modelArg: string | undefined, flags: { device: string; json?: boolean }) => {
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
