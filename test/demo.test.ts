/**
 * End to end: `audiomap demo` on a small keyword set (4 words × 12 clips from espeak-ng, the
 * tiny fixture model, whose head knows exactly those 4 words). Checks the report files, the
 * metrics' ranges, that every generated clip is a row or an error row, that a rerun reuses
 * the cached data, and that changed parameters regenerate it. Embeddings and predictions are
 * checked against Python torch, the metrics against scikit-learn.
 */
import { execFileSync } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parquetReadObjects } from "hyparquet";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cli, PY, ROOT, requireBuilt, TINY } from "./helpers/cli.js";

const dir = mkdtempSync(join(tmpdir(), "audiomap-demo-"));
const data = join(dir, "data");
const WORDS = ["yes", "no", "up", "down"];
const PER_WORD = 12;

beforeAll(() => requireBuilt());
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Summary {
  report: string;
  interactive: string;
  metricsFile: string;
  embeddings: string;
  errorsFile: string;
  layout: string;
  clusters: string;
  data: { dir: string; clips: number; words: number; reused: boolean };
  rows: number;
  failed: number;
  nClusters: number;
  metrics: Record<string, number>;
  timings: Record<string, number>;
}

function demo(
  out: string,
  extra: string[] = [],
): { code: number; summary: Summary; stderr: string } {
  const args = ["demo", "--model", TINY, "--data-dir", data, "--out", out, "--threads", "1"];
  const r = cli([
    ...args,
    "--words",
    WORDS.join(","),
    "--per-word",
    String(PER_WORD),
    ...extra,
    "--json",
  ]);
  expect(r.code, r.stderr).toBe(0);
  return { code: r.code, summary: JSON.parse(r.stdout) as Summary, stderr: r.stderr };
}

function wavsOnDisk(root: string): string[] {
  return readdirSync(root, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .flatMap((e) =>
      readdirSync(join(root, e.name))
        .filter((f) => f.endsWith(".wav"))
        .map((f) => `${e.name}/${f}`),
    );
}

async function parquetRows(path: string): Promise<Record<string, unknown>[]> {
  const buf = readFileSync(path);
  return parquetReadObjects({
    file: buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength),
  });
}

describe("audiomap demo", () => {
  let first: Summary;

  it("generates the data, embeds every clip and writes the report", async () => {
    first = demo(join(dir, "report")).summary;
    const clips = WORDS.length * PER_WORD;
    expect(first.data).toMatchObject({ clips, words: WORDS.length, reused: false });
    // Every generated clip is listed, on disk, and ends up as a row or an error row.
    const listed = readFileSync(join(data, "testing_list.txt"), "utf8").trim().split("\n");
    expect(listed.sort()).toEqual(wavsOnDisk(data).sort());
    expect(listed).toHaveLength(clips);
    const rows = await parquetRows(first.embeddings);
    const errors = readFileSync(first.errorsFile, "utf8").split("\n").filter(Boolean);
    expect(rows.length).toBe(first.rows);
    expect(errors.length).toBe(first.failed);
    expect(rows.length + errors.length).toBe(clips);
    const ids = [...rows.map((r) => String(r.id)), ...errors.map((e) => String(JSON.parse(e).id))];
    expect(ids.sort()).toEqual(listed.sort());
    // Only the requested words, each spoken PER_WORD times, labelled by folder.
    const perLabel = new Map<string, number>();
    for (const r of rows) perLabel.set(String(r.label), (perLabel.get(String(r.label)) ?? 0) + 1);
    expect([...perLabel.keys()].sort()).toEqual([...WORDS].sort());
    for (const n of perLabel.values()) expect(n).toBe(PER_WORD);

    // The report files.
    for (const f of [
      "index.html",
      "report.md",
      "map.html",
      "metrics.json",
      "heatmap.svg",
      "scatter-label.svg",
      "scatter-cluster.svg",
    ])
      expect(statSync(join(dir, "report", f)).size, f).toBeGreaterThan(100);
    const png = readFileSync(join(dir, "report", "scatter-label.png"));
    expect(png.subarray(1, 4).toString()).toBe("PNG");
    expect(first.report).toBe(join(dir, "report", "index.html"));

    // Metrics: numbers in their ranges, the same ones the report's metrics.json holds.
    const m = first.metrics;
    for (const key of [
      "ari",
      "nmi",
      "vMeasure",
      "purity",
      "silhouette",
      "trustworthiness",
      "accuracy",
    ])
      expect(Number.isFinite(m[key]), key).toBe(true);
    for (const key of [
      "nmi",
      "vMeasure",
      "purity",
      "trustworthiness",
      "accuracy",
      "homogeneity",
      "completeness",
    ]) {
      expect(m[key]).toBeGreaterThanOrEqual(0);
      expect(m[key]).toBeLessThanOrEqual(1);
    }
    expect(m.ari).toBeGreaterThanOrEqual(-1);
    expect(m.ari).toBeLessThanOrEqual(1);
    expect(Math.abs(m.silhouette as number)).toBeLessThanOrEqual(1);
    // Purity of k = 4 clusters over 4 balanced words is at least 1/4.
    expect(m.purity).toBeGreaterThanOrEqual(0.25);
    expect(first.nClusters).toBe(WORDS.length);
    const saved = JSON.parse(readFileSync(first.metricsFile, "utf8"));
    expect(saved.runs[0].metrics).toEqual(m);
    expect(saved.runs[0].n).toBe(first.rows);
    // Predictions from the head colour the interactive page.
    expect(readFileSync(first.interactive, "utf8")).toContain("prediction");
  });

  it("matches Python torch (embeddings, predictions) and scikit-learn (metrics)", async () => {
    const rows = await parquetRows(first.embeddings);
    const points = await parquetRows(first.clusters);
    const layout = await parquetRows(first.layout);
    expect(points.map((p) => p.id)).toEqual(rows.map((r) => r.id));
    expect(layout.map((p) => p.id)).toEqual(rows.map((r) => r.id));
    const files = rows.map((r) => String(r.path));
    const ref = JSON.parse(
      execFileSync(PY, [join(ROOT, "test/helpers/ref_model.py"), TINY, ...files], {
        encoding: "utf8",
        maxBuffer: 64 * 2 ** 20,
      }),
    ) as Record<string, { pooled: number[]; logits: number[] }>;
    const labels = ["yes", "no", "up", "down"]; // tiny.pt's head, in id order
    let hits = 0;
    rows.forEach((r, i) => {
      const want = ref[String(r.path)] as { pooled: number[]; logits: number[] };
      const got = Array.from(r.embedding as number[]);
      const diff = Math.max(...got.map((v, j) => Math.abs(v - (want.pooled[j] as number))));
      expect(diff).toBeLessThan(1e-4);
      const sorted = [...want.logits].sort((a, b) => b - a);
      const best = labels[want.logits.indexOf(sorted[0] as number)];
      // Skip near ties, where float rounding may pick either label.
      if ((sorted[0] as number) - (sorted[1] as number) > 1e-4)
        expect(points[i]?.prediction).toBe(best);
      if (points[i]?.prediction === r.label) hits++;
    });
    expect(first.metrics.accuracy).toBeCloseTo(hits / rows.length, 12);
    const sk = JSON.parse(
      execFileSync(PY, [join(ROOT, "test/helpers/sklearn_metrics.py")], {
        encoding: "utf8",
        input: JSON.stringify({
          X: rows.map((r) => Array.from(r.embedding as number[])),
          labels: rows.map((r) => r.label),
          clusters: points.map((p) => Number(p.cluster)),
          layout: layout.map((p) => [Number(p.x), Number(p.y)]),
        }),
      }),
    ) as Record<string, number>;
    for (const [key, want] of Object.entries(sk))
      expect(Math.abs((first.metrics[key] as number) - want), key).toBeLessThan(1e-5);
  });

  it("reuses the cached data on a second run and gives the same results", () => {
    const stamp = join(data, "audiomap-demo.json");
    const before = statSync(stamp).mtimeMs;
    const clip = join(
      data,
      readFileSync(join(data, "testing_list.txt"), "utf8").split("\n")[0] as string,
    );
    const clipBefore = statSync(clip).mtimeMs;
    const second = demo(join(dir, "report2")).summary;
    expect(second.data.reused).toBe(true);
    expect(statSync(stamp).mtimeMs).toBe(before);
    expect(statSync(clip).mtimeMs).toBe(clipBefore);
    expect(second.timings.data).toBeLessThan(first.timings.data as number);
    expect(second.timings.data).toBeLessThan(1);
    // Same data, model, seed and thread count: the same clusters and metrics.
    expect(second.metrics).toEqual(first.metrics);
  });

  it("regenerates the data when the parameters change", () => {
    const stamp = join(data, "audiomap-demo.json");
    // A half-written set of a killed run (its process is gone) is cleaned up.
    const stale = `${data}.partial-2147483000`;
    mkdirSync(join(stale, "yes"), { recursive: true });
    const r = cli([
      "demo",
      "--model",
      TINY,
      "--data-dir",
      data,
      "--out",
      join(dir, "report3"),
      "--words",
      "yes,no",
      "--per-word",
      "9",
      "--threads",
      "1",
      "--json",
    ]);
    expect(r.code, r.stderr).toBe(0);
    const s = JSON.parse(r.stdout) as Summary;
    expect(s.data).toMatchObject({ clips: 18, words: 2, reused: false });
    expect(s.rows + s.failed).toBe(18);
    expect(wavsOnDisk(data)).toHaveLength(18);
    expect(existsSync(stale)).toBe(false);
    expect(JSON.parse(readFileSync(stamp, "utf8")).params).toMatchObject({
      words: ["yes", "no"],
      perWord: 9,
    });
  });

  it("refuses a data folder it did not make, and unknown words", () => {
    const foreign = join(dir, "foreign");
    mkdirSync(foreign);
    writeFileSync(join(foreign, "keep.txt"), "mine");
    const r = cli([
      "demo",
      "--model",
      TINY,
      "--data-dir",
      foreign,
      "--out",
      join(dir, "r4"),
      "--words",
      "yes,no",
      "--per-word",
      "2",
    ]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("not made by audiomap demo");
    expect(readFileSync(join(foreign, "keep.txt"), "utf8")).toBe("mine");
    const u = cli(["demo", "--model", TINY, "--data-dir", data, "--words", "yes,bogus"]);
    expect(u.code).toBe(2);
    expect(u.stderr).toContain("unknown words: bogus");
  });
});

describe("audiomap demo without the tools it needs", () => {
  const run = (env: NodeJS.ProcessEnv) =>
    cli(
      ["demo", "--model", TINY, "--data-dir", join(dir, "no-tools"), "--out", join(dir, "nt")],
      env,
    );

  it("names a missing espeak-ng and its apt package before running anything", () => {
    const empty = mkdtempSync(join(tmpdir(), "audiomap-nopath-"));
    const r = run({ PATH: empty });
    rmSync(empty, { recursive: true, force: true });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("needs espeak-ng, which is not on PATH");
    expect(r.stderr).toContain("sudo apt-get install espeak-ng");
    expect(r.stderr).not.toContain("ENOENT");
    expect(existsSync(join(dir, "no-tools"))).toBe(false);
  });

  it("names a Python without numpy or soundfile and the apt packages", () => {
    // A Python that starts without its site packages (-S), so numpy and soundfile are absent.
    const bare = join(dir, "python-no-site");
    writeFileSync(bare, '#!/bin/sh\nexec /usr/bin/python3 -S "$@"\n', { mode: 0o755 });
    const r = run({ AUDIOMAP_PYTHON: bare });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      `needs a Python with numpy, soundfile; tried ${bare}: no numpy, soundfile`,
    );
    expect(r.stderr).toContain("sudo apt-get install python3-numpy python3-soundfile");
    expect(r.stderr).not.toContain("ENOENT");
  });
});
