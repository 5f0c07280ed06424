import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";

/** Debian's python (the pyenv python first on PATH lacks sklearn/numpy). */
export const PYTHON = "/usr/bin/python3";

/** True when Debian's python can import every module in `modules`. */
export function havePython(...modules: string[]): boolean {
  if (!existsSync(PYTHON)) return false;
  return spawnSync(PYTHON, ["-c", modules.map((m) => `import ${m}`).join(";")]).status === 0;
}

/** Runs a python snippet with Debian's python; throws with stderr on failure; returns stdout. */
export function runPython(code: string, args: string[] = []): string {
  const r = spawnSync(PYTHON, ["-c", code, ...args], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`python failed: ${r.stderr}`);
  return r.stdout;
}

/** Writes sklearn's bundled iris as CSV (4 features + species names). */
export function writeIrisCsv(path: string): void {
  runPython(
    `import sys, csv
from sklearn.datasets import load_iris
d = load_iris()
with open(sys.argv[1], "w", newline="") as f:
    w = csv.writer(f)
    w.writerow(["sepal_length", "sepal_width", "petal_length", "petal_width", "species"])
    for row, t in zip(d.data, d.target):
        w.writerow([*(repr(float(v)) for v in row), d.target_names[t]])`,
    [path],
  );
}

/** Writes sklearn's bundled digits (64 pixel columns + digit label) as CSV. */
export function writeDigitsCsv(path: string): void {
  runPython(
    `import sys, csv
from sklearn.datasets import load_digits
d = load_digits()
with open(sys.argv[1], "w", newline="") as f:
    w = csv.writer(f)
    w.writerow([f"px{i}" for i in range(64)] + ["label"])
    for row, t in zip(d.data, d.target):
        w.writerow([int(v) for v in row] + [f"digit{t}"])`,
    [path],
  );
}
