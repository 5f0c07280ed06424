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
  if (existsSync(arg)) return { name: basename(arg).replace(/\.pt$/, ""), path: resolve(arg) };
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
  if (preset.fixture && existsSync(join(root, "fixtures", preset.fixture))) {
    return { name: arg, path: join(root, "fixtures", preset.fixture) };
  }
  const cache = options.cacheDir ?? process.env.AUDIOMAP_CACHE_DIR ?? join(root, ".cache", "bench");
  const out = join(cache, `${arg}-random.pt`);
  if (!existsSync(out)) {
    mkdirSync(cache, { recursive: true });
    options.onLog?.(`exporting the ${arg} architecture with random weights to ${out} (once)`);
    const tmp = `${out}.tmp-${process.pid}`;
    const args = ["-m", "audiomap_export", "export", "--random-init", "--config"];
    args.push(join(root, "tools", "export", "configs", preset.config), "-o", tmp, "--seed", "0");
    if (preset.head) args.push("--with-head");
    await run(options.python ?? defaultPython(), args, {
      cwd: root,
      env: { ...process.env, PYTHONPATH: join(root, "tools", "export") },
      maxBuffer: 16 << 20,
    });
    renameSync(tmp, out);
  }
  return { name: arg, path: out };
}
