/**
 * The bundled keyword spotter, located through Node's module resolution so that it is found
 * in a clone and in an npm install alike.
 *
 * `model/model.pt` is TorchScript exported with torch 1.13 (Debian bookworm's LibTorch loads it);
 * `model/model.safetensors` with `config.json` is the same model as a Hugging Face
 * Wav2Vec2-Conformer checkpoint, for re-exporting with another torch major version.
 *
 * @example
 * ```ts
 * import { modelPath, labels } from "@audiomap/model-kws";
 * const model = await loadModel(modelPath, { device: "auto" });
 * ```
 */
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** The folder holding the model files (`model.pt`, `config.json`, …). */
export const modelDir: string = join(dirname(fileURLToPath(import.meta.url)), "..", "model");

/** The TorchScript file: pass it to `loadModel` of `@audiomap/core-native`. */
export const modelPath: string = join(modelDir, "model.pt");

/** The Hugging Face config of the model (`id2label`, sizes, feature extractor settings). */
export const configPath: string = join(modelDir, "config.json");

/** The Hugging Face checkpoint (weights) of the same model. */
export const checkpointPath: string = join(modelDir, "model.safetensors");

/** The head's labels in class-id order: the 35 Speech Commands words, then `_silence_`. */
export const labels: readonly string[] = readLabels();

/** The keyword labels alone (every label but `_silence_`), in class-id order. */
export const keywords: readonly string[] = labels.filter((l) => !l.startsWith("_"));

function readLabels(): string[] {
  const { id2label } = JSON.parse(readFileSync(configPath, "utf8")) as {
    id2label: Record<string, string>;
  };
  return Object.keys(id2label)
    .map(Number)
    .sort((a, b) => a - b)
    .map((id) => id2label[id] as string);
}
