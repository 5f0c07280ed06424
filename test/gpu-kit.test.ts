/**
 * The GPU kit's pieces that need no GPU, no model and no chroot (bench/gpu): the dependency
 * listing that pack.sh ships, the report that run.sh writes, and the checker that CI and the
 * GPU run's reader apply to it. The kit's whole run is checked by scripts/gpu-kit.sh.
 */
import { spawnSync } from "node:child_process";
import {
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  realpathSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { afterAll, describe, expect, it } from "vitest";

const ROOT = join(import.meta.dirname, "..");
const GPU = join(ROOT, "bench", "gpu");
const STEPS = ["unpack", "build", "export", "parity", "bench", "data", "embed", "oom", "streams"];
const work = mkdtempSync(join(tmpdir(), "audiomap-gpu-kit-test-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe("kit-files.mjs (what pack.sh ships of node_modules)", () => {
  const run = spawnSync(process.execPath, [join(GPU, "kit-files.mjs"), ROOT, "@lancedb"], {
    encoding: "utf8",
  });
  const files = run.stdout.trim().split("\n");

  it("lists every workspace package and the CLI's dependencies, without LanceDB", () => {
    expect(run.status, run.stderr).toBe(0);
    for (const pkg of ["cli", "core-native", "embeddings", "viz", "model-kws"])
      expect(files).toContain(`packages/${pkg}/package.json`);
    expect(files).toContain("packages/cli/node_modules/commander");
    expect(files).toContain("packages/core-native/node_modules/node-api-headers");
    expect(files).toContain("packages/core-native/node_modules/cmake-js");
    expect(files.some((f) => f.includes("apache-arrow@"))).toBe(true);
    expect(files.filter((f) => f.includes("lancedb"))).toEqual([]);
  });

  it("ships the target of every link it ships (the tree resolves as pnpm laid it out)", () => {
    const shipped = (abs: string) => {
      const rel = relative(ROOT, abs);
      return files.some((f) => rel === f || rel.startsWith(`${f}/`) || `${rel}/package.json` === f);
    };
    const links = files.filter((f) => lstatSync(join(ROOT, f)).isSymbolicLink());
    expect(links.length).toBeGreaterThan(20);
    const dangling = links.filter((f) => !shipped(realpathSync(join(ROOT, f))));
    expect(dangling).toEqual([]);
  });
});

/** A report as run.sh --cpu writes it when every step passed. */
function passingReport() {
  const result: Record<string, unknown> = {
    build: { buildInfo: { cuda: true, torchVersion: "2.6.0" }, devices: { devices: [] } },
    parity: { checks: [{ name: "tiny logits", ok: true, rel: 1e-7 }] },
    bench: {
      cells: [
        {
          dtype: "float32",
          clipSeconds: 1,
          audioSecondsPerSecond: 120,
          baselines: {
            "eager-b1-fp32": { ratio: 3.1, skipped: null },
            "hf-eager-fp32": {
              ratio: null,
              skipped: "transformers is not importable (No module named 'transformers')",
            },
          },
        },
      ],
    },
    oom: { simulated: true, reference: { ok: 48 }, oversized: { ok: 48, failed: 0, oomSplits: 3 } },
    streams: { runs: [{}, {}, {}] },
  };
  return {
    mode: "cpu",
    wall_s: 200,
    steps: STEPS.map((name) => ({ name, status: "ok", seconds: 1, result: result[name] ?? {} })),
  };
}

function check(report: unknown, ...flags: string[]) {
  const path = join(work, `report-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(path, JSON.stringify(report));
  return spawnSync(process.execPath, [join(GPU, "check-report.mjs"), path, ...flags], {
    encoding: "utf8",
  });
}

describe("check-report.mjs", () => {
  it("passes a dry run where every step passed and only HF was skipped for transformers", () => {
    const r = check(passingReport(), "--cpu");
    expect(r.stdout).toContain("9 steps ok");
    expect(r.status).toBe(0);
  });

  it("fails a failed, a skipped or a missing step, naming it", () => {
    const failed = passingReport();
    Object.assign(failed.steps[4] as object, { status: "failed", reason: "exit 1: boom" });
    expect(check(failed, "--cpu").stdout).toContain("bench: failed (exit 1: boom)");
    expect(check(failed, "--cpu").status).toBe(1);
    const skipped = passingReport();
    Object.assign(skipped.steps[8] as object, { status: "skipped", reason: "time budget" });
    expect(check(skipped, "--cpu").status).toBe(1);
    // On a GPU host a skip with its reason is reported, not a failure.
    expect(check({ ...skipped, mode: "gpu" }).status).toBe(0);
    const missing = passingReport();
    missing.steps.splice(6, 1);
    expect(check(missing, "--cpu").stdout).toContain("expected [unpack,build");
  });

  it("fails a dry run whose results do not hold up", () => {
    const noCuda = passingReport();
    (noCuda.steps[1] as { result: { buildInfo: { cuda: boolean } } }).result.buildInfo.cuda = false;
    expect(check(noCuda, "--cpu").stdout).toContain("no CUDA compiled in");
    const badParity = passingReport();
    (badParity.steps[3] as { result: { checks: { ok: boolean }[] } }).result.checks[0]!.ok = false;
    expect(check(badParity, "--cpu").status).toBe(1);
    const noSplit = passingReport();
    (
      noSplit.steps[7] as { result: { oversized: { oomSplits: number } } }
    ).result.oversized.oomSplits = 0;
    expect(check(noSplit, "--cpu").stdout).toContain("oom: no batch was split");
    const otherSkip = passingReport();
    const cell = (
      otherSkip.steps[4] as { result: { cells: { baselines: Record<string, unknown> }[] } }
    ).result.cells[0]!;
    cell.baselines.torchscript = { ratio: null, skipped: "RuntimeError: boom" };
    expect(check(otherSkip, "--cpu").stdout).toContain("baseline torchscript skipped");
  });
});

describe("report.py", () => {
  it("reports every step, those never reached as skipped, and a Markdown row for each", () => {
    const dir = join(work, "run");
    mkdirSync(join(dir, "results"), { recursive: true });
    const lines = [
      { name: "unpack", status: "ok", seconds: 2.5, reason: null },
      { name: "build", status: "failed", seconds: 30, reason: "exit 1: no | compiler" },
    ];
    writeFileSync(join(dir, "steps.jsonl"), lines.map((l) => JSON.stringify(l)).join("\n"));
    writeFileSync(join(dir, "host.json"), JSON.stringify({ mode: "cpu", python: "3.13" }));
    const out = join(dir, "gpu-run.json");
    const md = join(dir, "gpu-run.md");
    const r = spawnSync("python3", [join(GPU, "report.py"), "report", dir, out, md, "480", "40"], {
      encoding: "utf8",
    });
    expect(r.status, r.stderr).toBe(0);
    const doc = JSON.parse(readFileSync(out, "utf8"));
    expect(doc.steps.map((s: { name: string }) => s.name)).toEqual(STEPS);
    expect(doc.steps[1]).toMatchObject({ status: "failed", reason: "exit 1: no | compiler" });
    expect(doc.steps[2]).toMatchObject({
      status: "skipped",
      reason: expect.stringMatching(/not reached/),
    });
    const table = readFileSync(md, "utf8");
    for (const name of STEPS) expect(table).toMatch(new RegExp(`^\\| ${name} \\|`, "m"));
    expect(table).toContain("no \\| compiler"); // a reason's "|" does not break the table
    expect(existsSync(md)).toBe(true);
  });
});
