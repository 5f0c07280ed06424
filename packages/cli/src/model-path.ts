/** Finding the model file a command should load, and the folders a command writes to. */
import { existsSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { CliError } from "./run.js";

/** The package that holds the default model; found through Node's module resolution. */
export const DEFAULT_MODEL_PACKAGE = "@audiomap/model-kws";

/**
 * The audiomap clone this CLI runs from (the nearest folder above this package holding
 * pnpm-workspace.yaml), or null when it was installed from the registry.
 */
export function repoRoot(): string | null {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    if (existsSync(join(dir, "pnpm-workspace.yaml"))) return dir;
    dir = dirname(dir);
  }
  return null;
}

/**
 * Where commands keep generated data by default: `.cache/` of the clone, else
 * `$XDG_CACHE_HOME/audiomap` (`~/.cache/audiomap`) for an installed CLI.
 */
export function cacheDir(): string {
  const root = repoRoot();
  if (root) return join(root, ".cache");
  return join(process.env.XDG_CACHE_HOME || join(homedir(), ".cache"), "audiomap");
}

/** The default model's TorchScript file, from the `@audiomap/model-kws` package. */
export async function defaultModelPath(): Promise<string> {
  let mod: { modelPath: string };
  try {
    mod = (await import(DEFAULT_MODEL_PACKAGE)) as { modelPath: string };
  } catch (err) {
    throw new CliError(
      `no --model given and the default model package ${DEFAULT_MODEL_PACKAGE} cannot be loaded (${(err as Error).message}); install it (npm install ${DEFAULT_MODEL_PACKAGE}), pass --model <file.pt> or set AUDIOMAP_MODEL`,
    );
  }
  if (!existsSync(mod.modelPath))
    throw new CliError(
      `the default model is missing from ${DEFAULT_MODEL_PACKAGE} (${mod.modelPath}); reinstall it, pass --model <file.pt> or set AUDIOMAP_MODEL`,
    );
  return mod.modelPath;
}

/**
 * The model path: `--model`, else `AUDIOMAP_MODEL`, else the default model package.
 * Throws a CliError naming what was tried when the file is missing.
 */
export async function resolveModelPath(flag?: string): Promise<string> {
  const candidate = flag ?? process.env.AUDIOMAP_MODEL;
  if (candidate) {
    const p = resolve(candidate);
    if (!existsSync(p)) throw new CliError(`model file not found: ${p}`);
    return p;
  }
  return defaultModelPath();
}
