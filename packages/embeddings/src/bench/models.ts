/**
 * Models for the benchmark by name: a path to an exported .pt file, a fixture ("tiny"), or an
 * architecture preset ("medium", "large") exported on demand with random weights by
 * tools/export into a cache that is never committed.
 */
import { execFile } from "node:child_process";
import { existsSync, mkdirSync, renameSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import type { BenchModel } from "./types.js";

const run = promisify(execFile);

/** Architecture presets: config files of tools/export/configs, exported with random weights. */
export const MODEL_PRESETS: Readonly<
  Record<string, { config: string; fixture?: string; head: boolean }>
> = {
  tiny: { config: "tiny.json", fixture: "tiny.pt", head: true },
  medium: { config: "medium.json", fixture: "medium.pt", head: false },
  large: { config: "large-rel-pos.json", head: true },
};

/** Where presets and scripts are found. */
export interface ModelResolveOptions {
  /** Repository root holding tools/ and fixtures/. Default: found from this file's location. */
  repoRoot?: string;
  /**
   * Cache for random-weight exports. Default $AUDIOMAP_CACHE_DIR, else <repoRoot>/.cache/bench
   * (gitignored).
   */
  cacheDir?: string;
  /** Python with torch 1.13 (the export tool's). Default $AUDIOMAP_PYTHON, else /usr/bin/python3, else python3. */
  python?: string;
  /** Called with a line of text before a slow export. */
  onLog?: (line: string) => void;
  /**
   * Also resolve the model's qint8 export (`BenchModel.qint8Path`): for a preset, the same
   * weights exported with `--dtype qint8` into the cache (from the fixture's checkpoint
   * directory, or the same config and seed); for a file `X.pt`, the sibling `X.qint8.pt`.
   * Default false.
   */
  qint8?: boolean;
}

/** The repository root (holding tools/export), or null for an installed package without it. */
export function findRepoRoot(): string | null {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    if (existsSync(join(dir, "tools", "export", "audiomap_export"))) return dir;
    dir = dirname(dir);
  }
  return null;
}

/** The Python interpreter used for exports and baselines. */
export function defaultPython(): string {
  if (process.env.AUDIOMAP_PYTHON) return process.env.AUDIOMAP_PYTHON;
  return existsSync("/usr/bin/python3") ? "/usr/bin/python3" : "python3";
}

/**
 * Resolves a model argument: an existing file path is used as is; a preset name maps to its
 * fixture when present, else to a random-weight export in the cache, created now if missing
 * (the large architecture, 610 M parameters, takes minutes and 2.3 GB on disk).
 */
export async function resolveBenchModel(
  arg: string,
  options: ModelResolveOptions = {},
): Promise<BenchModel> {
  if (existsSync(arg)) {
    const path = resolve(arg);
    const model: BenchModel = { name: basename(arg).replace(/\.pt$/, ""), path };
    if (options.qint8) {
      const sibling = path.replace(/(\.pt)?$/, ".qint8.pt");
      if (!existsSync(sibling))
        throw new Error(
          `a qint8 cell of ${arg} needs its qint8 export ${sibling}: export the same checkpoint with tools/export --dtype qint8 -o ${sibling}`,
        );
      model.qint8Path = sibling;
    }
    return model;
  }
  const preset = MODEL_PRESETS[arg];
  if (!preset) {
    throw new Error(
      `model ${JSON.stringify(arg)} is neither a file nor a preset (${Object.keys(MODEL_PRESETS).join(", ")})`,
    );
  }
  const root = options.repoRoot ?? findRepoRoot();
  if (!root)
    throw new Error(
      `preset ${arg} needs the audiomap repository (tools/export); pass a .pt file instead`,
    );
  const cache = options.cacheDir ?? process.env.AUDIOMAP_CACHE_DIR ?? join(root, ".cache", "bench");
  const fixture = preset.fixture ? join(root, "fixtures", preset.fixture) : null;
  // A fixture's sibling checkpoint directory holds its weights, from which the qint8 cell's
  // file is exported; a fixture without one is replaced by the cache's random weights, which
  // the preset's config and seed give again in qint8.
  const checkpoint = fixture?.replace(/\.pt$/, "");
  const useFixture =
    fixture !== null &&
    existsSync(fixture) &&
    (!options.qint8 || existsSync(join(checkpoint as string, "config.json")));
  if (useFixture) {
    const model: BenchModel = { name: arg, path: fixture as string };
    if (options.qint8)
      model.qint8Path = await exportPreset(arg, preset, root, cache, "qint8", options, checkpoint);
    return model;
  }
  const model: BenchModel = {
    name: arg,
    path: await exportPreset(arg, preset, root, cache, "float32", options),
  };
  if (options.qint8)
    model.qint8Path = await exportPreset(arg, preset, root, cache, "qint8", options);
  return model;
}

/** Exports a preset into the cache once (random weights, seed 0, or `checkpoint`'s). */
async function exportPreset(
  name: string,
  preset: (typeof MODEL_PRESETS)[string] & object,
  root: string,
  cache: string,
  dtype: "float32" | "qint8",
  options: ModelResolveOptions,
  checkpoint?: string,
): Promise<string> {
  const stem = checkpoint ? `${name}-fixture` : `${name}-random`;
  const out = join(cache, dtype === "float32" ? `${stem}.pt` : `${stem}-${dtype}.pt`);
  if (existsSync(out)) return out;
  mkdirSync(cache, { recursive: true });
  options.onLog?.(
    `exporting the ${name} architecture (${checkpoint ? "fixture weights" : "random weights"}, ${dtype}) to ${out} (once)`,
  );
  const tmp = `${out}.tmp-${process.pid}`;
  const args = ["-m", "audiomap_export", "export"];
  if (checkpoint) args.push(checkpoint);
  else {
    args.push("--random-init", "--config", join(root, "tools", "export", "configs", preset.config));
    args.push("--seed", "0");
    if (preset.head) args.push("--with-head");
  }
  args.push("-o", tmp, "--dtype", dtype);
  await run(options.python ?? defaultPython(), args, {
    cwd: root,
    env: { ...process.env, PYTHONPATH: join(root, "tools", "export") },
    maxBuffer: 16 << 20,
  });
  renameSync(tmp, out);
  return out;
}
