/**
 * The Python side of the CLI: the files scripts/bundle-python.mjs copies into python/ of this
 * package (the exporter and the demo's data generator), and finding a Python that can run them.
 */
import { spawnSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { CliError, ExitCode } from "./run.js";

/**
 * python/ of this package (beside src/ and dist/). It holds the exporter package, so it is
 * what goes on PYTHONPATH to run `-m audiomap_export`.
 */
export const pythonDir: string = join(dirname(fileURLToPath(import.meta.url)), "..", "python");

/** The keyword data generator and its label file. */
export const generatorScript: string = join(pythonDir, "train", "gen_data.py");
export const generatorLabels: string = join(pythonDir, "train", "labels.json");

/** A Python module a command needs, with the Debian package that provides it. */
export interface PythonNeed {
  module: string;
  apt: string;
}

/**
 * The Python to run: `$AUDIOMAP_PYTHON`, else Debian's `/usr/bin/python3` (where apt puts
 * python3-torch), else `python3` on PATH. Returns the first that imports every module in
 * `needs`; throws one CliError naming what each candidate lacks and the apt packages to install.
 */
export function findPython(needs: PythonNeed[], purpose: string): string {
  const candidates = process.env.AUDIOMAP_PYTHON
    ? [process.env.AUDIOMAP_PYTHON]
    : ["/usr/bin/python3", "python3"];
  const tried: string[] = [];
  const missingApt = new Set<string>();
  const probe = needs.map((n) => `importlib.util.find_spec(${JSON.stringify(n.module)})`);
  const code = `import importlib.util, sys\nsys.stdout.write(",".join("1" if s else "0" for s in [${probe.join(", ")}]))`;
  for (const python of [...new Set(candidates)]) {
    const r = spawnSync(python, ["-c", code], { encoding: "utf8" });
    if (r.error || r.status !== 0) {
      tried.push(`${python}: not runnable`);
      missingApt.add("python3");
      continue;
    }
    const flags = r.stdout.trim().split(",");
    const missing = needs.filter((_, i) => flags[i] !== "1");
    if (missing.length === 0) return python;
    tried.push(`${python}: no ${missing.map((m) => m.module).join(", ")}`);
    for (const m of missing) missingApt.add(m.apt);
  }
  throw new CliError(
    `${purpose} needs a Python with ${needs.map((n) => n.module).join(", ")}; tried ${tried.join("; ")}. ` +
      `Install it with \`sudo apt-get install ${[...missingApt].join(" ")}\`, or set AUDIOMAP_PYTHON to a Python that has them`,
    ExitCode.failure,
  );
}

/** Throws a CliError naming the tool and its apt package when `tool` is not on PATH. */
export function requireTool(tool: string, apt: string, purpose: string): void {
  const r = spawnSync(tool, ["--version"], { stdio: "ignore" });
  if (r.error && (r.error as NodeJS.ErrnoException).code === "ENOENT")
    throw new CliError(
      `${purpose} needs ${tool}, which is not on PATH; install it with \`sudo apt-get install ${apt}\``,
    );
}
