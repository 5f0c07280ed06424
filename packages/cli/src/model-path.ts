/** Finding the model file a command should load. */
import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { CliError } from "./run.js";

/** Where the default model lives, relative to the repository root. */
export const DEFAULT_MODEL = "models/default/model.pt";

/**
 * The repository root: the nearest folder above this package holding pnpm-workspace.yaml
 * (falls back to two levels above the package).
 */
export function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    if (existsSync(join(dir, "pnpm-workspace.yaml"))) return dir;
    dir = dirname(dir);
  }
  return resolve(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
}

/**
 * The model path: `--model`, else `AUDIOMAP_MODEL`, else the repository's default model.
 * Throws a CliError naming what was tried when the file is missing.
 */
export function resolveModelPath(flag?: string): string {
  const candidate = flag ?? process.env.AUDIOMAP_MODEL;
  if (candidate) {
    const p = resolve(candidate);
    if (!existsSync(p)) throw new CliError(`model file not found: ${p}`);
    return p;
  }
  const p = join(repoRoot(), DEFAULT_MODEL);
  if (!existsSync(p)) {
    throw new CliError(
      `no --model given and the default model is missing (${p}); pass --model <file.pt> or set AUDIOMAP_MODEL (models are produced by tools/export)`,
    );
  }
  return p;
}
