/**
 * A real distributed run: docs/cluster.md's Slurm script and commands, run as written on a
 * single-node Slurm cluster started (and stopped) here, as an array of 4 tasks that each embed
 * their shard of 60 generated clips; the merged output must equal one unsharded run.
 * Without slurm-wlm and munge (scripts/setup.sh installs them) the suite reports skipped and
 * says why, except under CI, where it fails.
 */
import { spawnSync } from "node:child_process";
import {
  chmodSync,
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parquetMetadata, parquetReadObjects } from "hyparquet";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CLI, makeManyClips, ROOT, requireBuilt, TINY } from "./helpers/cli.js";
import { missingSlurmTools, type SlurmCluster, startSlurm } from "./helpers/slurm.js";

const CLIPS = 60;
const TASKS = 4;
const missing = missingSlurmTools();
const reason = `${missing.join(", ")} not installed (scripts/setup.sh installs slurm-wlm and munge)`;
if (missing.length && !process.env.CI) console.warn(`skipping the Slurm run: ${reason}`);

/** The first block in `lang` under `## heading` (or `### heading`) of docs/cluster.md. */
function docBlock(heading: string, lang: string, nth = 0): string {
  const doc = readFileSync(join(ROOT, "docs/cluster.md"), "utf8");
  const section = doc.split(new RegExp(`\\n#+ ${heading}\\n`))[1]?.split(/\n## /)[0] ?? "";
  const block = section.split(`\`\`\`${lang}\n`)[nth + 1]?.split("```")[0];
  if (!block) throw new Error(`docs/cluster.md has no ${lang} block ${nth} under "${heading}"`);
  return block;
}

/** `s` quoted for sh. */
const sh = (s: string) => `'${s.replaceAll("'", "'\\''")}'`;

async function readParquet(path: string) {
  const buf = readFileSync(path);
  const file = buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength);
  const meta = parquetMetadata(file).key_value_metadata?.find((kv) => kv.key === "audiomap");
  return {
    rows: (await parquetReadObjects({ file })) as Record<string, unknown>[],
    provenance: JSON.parse(meta?.value ?? "{}") as { shard?: { index: number; count: number } },
  };
}

// Under CI a missing tool fails the suite (in beforeAll) rather than skipping it.
describe.skipIf(missing.length > 0 && !process.env.CI)("embed as a Slurm job array, merged", () => {
  let work = "";
  let cluster: SlurmCluster | undefined;
  let bash: (script: string) => { code: number | null; out: string };

  beforeAll(async () => {
    if (missing.length) throw new Error(`CI must run the Slurm test: ${reason}`);
    requireBuilt();
    work = mkdtempSync(join(tmpdir(), "audiomap-slurm-"));
    // The folder docs/cluster.md submits from: audio/, model.pt, and `audiomap` on PATH (a
    // wrapper around the built CLI, as an install would put it there).
    makeManyClips(join(work, "audio"), CLIPS);
    copyFileSync(TINY, join(work, "model.pt"));
    chmodSync(work, 0o755); // munged's socket lives below it: see startSlurm
    mkdirSync(join(work, "bin"));
    writeFileSync(
      join(work, "bin", "audiomap"),
      `#!/bin/sh\nexec ${sh(process.execPath)} ${sh(CLI)} "$@"\n`,
      { mode: 0o755 },
    );
    writeFileSync(join(work, "embed.sbatch"), docBlock("Slurm", "bash"));
    cluster = await startSlurm(join(work, "cluster"));
    const env = { ...cluster.env, PATH: `${join(work, "bin")}:${cluster.env.PATH}` };
    bash = (script) => {
      const r = spawnSync("bash", ["-euo", "pipefail", "-c", script], {
        cwd: work,
        env,
        encoding: "utf8",
        timeout: 240_000,
      });
      return { code: r.status, out: `${r.stdout}${r.stderr}` };
    };
  });
  afterAll(async () => {
    await cluster?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it("runs 4 array tasks whose merge equals a single run", async () => {
    const t0 = Date.now();
    const run = bash(docBlock("Slurm", "sh"));
    const seconds = (Date.now() - t0) / 1000;
    const logs = () => `${run.out}\n${cluster?.logs()}`;
    expect(run.code, logs()).toBe(0);
    console.log(`sbatch --array=0-3 --wait and merge: ${seconds.toFixed(1)} s`);

    // Every task ran under Slurm (its log exists) and wrote the shard its index names.
    for (let i = 0; i < TASKS; i++) {
      expect(readFileSync(join(work, "logs", `embed-${i}.out`), "utf8")).toBe("");
      const part = await readParquet(join(work, "parts", `part-${i}.parquet`));
      expect(part.provenance.shard).toEqual({ index: i, count: TASKS });
      expect(part.rows.map((r) => Number(r.index) % TASKS)).toEqual(Array(CLIPS / TASKS).fill(i));
    }

    // The same command once, unsharded, outside Slurm.
    const single = bash(
      "audiomap embed audio/ -o single.parquet --model model.pt --threads 1 --resume -q",
    );
    expect(single.code, single.out).toBe(0);
    const a = (await readParquet(join(work, "single.parquet"))).rows;
    const merged = await readParquet(join(work, "embeddings.parquet"));
    expect(merged.provenance.shard ?? null).toBeNull();
    const b = merged.rows;
    expect(a).toHaveLength(CLIPS);
    // Same ids in the same (source) order, the same rows, and embeddings within 1e-6.
    expect(b.map((r) => r.id)).toEqual(a.map((r) => r.id));
    const rest = (r: Record<string, unknown>) => ({ ...r, embedding: undefined });
    expect(b.map(rest)).toEqual(a.map(rest));
    let diff = 0;
    b.forEach((row, i) => {
      const x = row.embedding as number[];
      const y = a[i]?.embedding as number[];
      expect(x).toHaveLength(y.length);
      for (let j = 0; j < x.length; j++)
        diff = Math.max(diff, Math.abs((x[j] as number) - (y[j] as number)));
    });
    expect(diff).toBeLessThanOrEqual(1e-6);
    console.log(`merged vs single run: max |Δ embedding| = ${diff.toExponential(2)}`);
  });
});
