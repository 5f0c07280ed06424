// `audiomap umap --fit-sample / --save-model / --transform-with / --threads` (issue 19 §3), run
// through the built CLI on sklearn's digits.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const MAIN = resolve(__dirname, "../dist/main.js");
const PYTHON = "/usr/bin/python3";
const haveSklearn = existsSync(PYTHON) && spawnSync(PYTHON, ["-c", "import sklearn"]).status === 0;

function audiomap(...args: string[]) {
  const r = spawnSync(process.execPath, [MAIN, ...args], { encoding: "utf8", timeout: 240_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

const rows = (file: string) => readFileSync(file, "utf8").trim().split("\n");

describe.skipIf(!existsSync(MAIN) || !haveSklearn)("umap: fit on a sample, save, transform", () => {
  let dir: string;
  let digits: string;
  let shard: string;
  let iris: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "audiomap-cli-umap-model-"));
    digits = join(dir, "digits.csv");
    shard = join(dir, "shard.csv");
    iris = join(dir, "iris.csv");
    const code = `import sys, csv
from sklearn.datasets import load_digits, load_iris
def write(name, data, target, cols):
    with open(name, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(cols + ["label"])
        for row, t in zip(data, target):
            w.writerow([repr(float(v)) for v in row] + [str(t)])
d = load_digits()
px = [f"px{i}" for i in range(64)]
write(sys.argv[1], d.data, d.target, px)
write(sys.argv[2], d.data[1500:], d.target[1500:], px)
i = load_iris()
write(sys.argv[3], i.data, i.target, ["a", "b", "c", "d"])`;
    const r = spawnSync(PYTHON, ["-c", code, digits, shard, iris], { encoding: "utf8" });
    if (r.status !== 0) throw new Error(r.stderr);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("fits on a sample, covers every row, and places a shard onto the saved model", () => {
    const out = join(dir, "digits.layout.csv");
    const model = join(dir, "digits.umap");
    const fit = audiomap(
      "umap",
      digits,
      "-o",
      out,
      "--fit-sample",
      "900",
      "--save-model",
      model,
      "--seed",
      "3",
      "--json",
    );
    expect(fit.err).toBe("");
    expect(fit.code).toBe(0);
    expect(JSON.parse(fit.out)).toMatchObject({ n: 1797, fitSample: 900, model });
    const layout = rows(out);
    expect(layout[0]).toBe("x,y,label");
    expect(layout).toHaveLength(1798);
    const placed = join(dir, "shard.layout.csv");
    const t = audiomap("umap", shard, "--transform-with", model, "-o", placed, "--json");
    expect(t.err).toBe("");
    expect(t.code).toBe(0);
    expect(JSON.parse(t.out)).toMatchObject({ n: 297, dims: 2, transformWith: model });
    const shardRows = rows(placed);
    expect(shardRows).toHaveLength(298);
    // Placed digits land among the fitted digits of their own class: the nearest fitted point
    // in the layout mostly has the same label.
    const parse = (lines: string[]) =>
      lines.slice(1).map((l) => {
        const [xs, ys, label] = l.split(",");
        return { x: Number(xs), y: Number(ys), label };
      });
    const fitted = parse(layout);
    let same = 0;
    for (const p of parse(shardRows)) {
      let best = fitted[0]!;
      let bestD = Number.POSITIVE_INFINITY;
      for (const q of fitted) {
        const dd = (p.x - q.x) ** 2 + (p.y - q.y) ** 2;
        if (dd > 0 && dd < bestD) [best, bestD] = [q, dd];
      }
      if (best.label === p.label) same++;
    }
    expect(same / 297).toBeGreaterThan(0.85);
    // The transform is deterministic, for any thread count.
    const again = join(dir, "shard.layout-2.csv");
    expect(
      audiomap("umap", shard, "--transform-with", model, "-o", again, "--threads", "2").code,
    ).toBe(0);
    expect(readFileSync(again, "utf8")).toBe(readFileSync(placed, "utf8"));
  });

  it("exits 2 on a model of other vectors, a file that is not a model, or clashing flags", () => {
    const model = join(dir, "digits.umap");
    const out = join(dir, "x.csv");
    const wrong = audiomap("umap", iris, "--transform-with", model, "-o", out);
    expect(wrong.code).toBe(2);
    expect(wrong.err).toContain("fitted on 64-column vectors; the input has 4 columns");
    writeFileSync(join(dir, "bad.umap"), "not a model");
    const bad = audiomap("umap", shard, "--transform-with", join(dir, "bad.umap"), "-o", out);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain("not an audiomap UMAP model file");
    const clash = audiomap(
      "umap",
      shard,
      "--transform-with",
      model,
      "--fit-sample",
      "9",
      "-o",
      out,
    );
    expect(clash.code).toBe(2);
    expect(clash.err).toContain("--transform-with fits nothing: drop --fit-sample");
    expect(audiomap("umap", shard, "-o", out, "--threads", "-1").code).toBe(2);
  });
});
