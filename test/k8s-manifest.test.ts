/**
 * docs/k8s/embed-indexed-job.yaml against the code: an Indexed Job whose environment is what
 * shardFromEnv reads (SHARD_ENV) and whose command's flags `audiomap embed --help` lists; then
 * its command line run for each completion index, with the manifest's environment and its
 * volume mapped into a scratch folder, must merge into what one unsharded run gives.
 * No Kubernetes cluster runs here: the Job controller itself is not tested.
 */
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parquetReadObjects } from "hyparquet";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { SHARD_ENV } from "../packages/embeddings/src/pipeline/shard.js";
import { cli, makeManyClips, ROOT, requireBuilt, TINY } from "./helpers/cli.js";

interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { fieldRef?: { fieldPath?: string } };
}
interface Container {
  command: string[];
  args: string[];
  env: EnvVar[];
  volumeMounts: { name: string; mountPath: string }[];
  resources: { requests?: Record<string, string> };
}

const manifest = parse(readFileSync(join(ROOT, "docs/k8s/embed-indexed-job.yaml"), "utf8"));
const spec = manifest.spec;
const container = spec.template.spec.containers[0] as Container;
const env = new Map(container.env.map((e) => [e.name, e]));
const count = Number(env.get(SHARD_ENV.shardCount)?.value);

/** `$(NAME)` expanded from `vars`, as Kubernetes expands a container's args. */
const expand = (arg: string, vars: Record<string, string>) =>
  arg.replace(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (m, name) => vars[name] ?? m);

describe("the Kubernetes Indexed Job manifest", () => {
  it("is an Indexed batch/v1 Job with one completion per shard", () => {
    expect(manifest).toMatchObject({ apiVersion: "batch/v1", kind: "Job" });
    expect(spec.completionMode).toBe("Indexed");
    expect(count).toBe(4);
    expect(spec.completions).toBe(count);
    expect(spec.parallelism).toBe(count);
    expect(Object.keys(container.resources.requests ?? {}).sort()).toEqual(["cpu", "memory"]);
  });

  it("sets only variables the code reads, the index from the completion-index annotation", () => {
    const known: string[] = Object.values(SHARD_ENV);
    for (const name of env.keys()) expect(known, `${name} is read nowhere`).toContain(name);
    expect(env.get(SHARD_ENV.jobCompletionIndex)?.valueFrom?.fieldRef?.fieldPath).toBe(
      "metadata.annotations['batch.kubernetes.io/job-completion-index']",
    );
  });

  it("runs `audiomap embed` with flags that `audiomap embed --help` lists", () => {
    requireBuilt();
    expect(container.command).toEqual(["audiomap"]);
    expect(container.args[0]).toBe("embed");
    const help = cli(["embed", "--help"]);
    expect(help.code).toBe(0);
    const flags = container.args.filter((a) => a.startsWith("-"));
    expect(flags.length).toBeGreaterThan(3);
    for (const flag of flags)
      expect(help.stdout, flag).toMatch(new RegExp(`(^|[ ,])${flag}(?=[ ,]|$)`, "m"));
    // Without --shard, the shard must come from the environment.
    expect(flags).not.toContain("--shard");
  });

  describe("its command, run once per completion index", () => {
    let work = "";
    const mount = container.volumeMounts[0]?.mountPath as string;
    // The volume's paths inside the pod, mapped into the scratch folder.
    const local = (arg: string) =>
      arg.startsWith(`${mount}/`) ? work + arg.slice(mount.length) : arg;
    beforeAll(() => {
      requireBuilt();
      work = mkdtempSync(join(tmpdir(), "audiomap-k8s-"));
      makeManyClips(join(work, "audio"), 24);
      copyFileSync(TINY, join(work, "model.pt"));
    });
    afterAll(() => {
      if (work) rmSync(work, { recursive: true, force: true });
    });

    it("gives outputs that merge into a single run's", async () => {
      const args = container.args.map(local);
      expect(args[1], "the manifest's source is the volume's audio/").toBe(join(work, "audio"));
      const outputs: string[] = [];
      for (let index = 0; index < count; index++) {
        // What the pod sees: the manifest's plain values, and the index from the annotation.
        const vars: Record<string, string> = { [SHARD_ENV.jobCompletionIndex]: String(index) };
        for (const e of container.env) if (e.value !== undefined) vars[e.name] = e.value;
        const podArgs = args.map((a) => expand(a, vars));
        const out = podArgs[podArgs.indexOf("-o") + 1] as string;
        expect(out).toBe(join(work, "out", `part-${index}.parquet`));
        const r = cli(podArgs, vars);
        expect(r.code, r.stderr).toBe(0);
        outputs.push(out);
      }
      const merged = join(work, "merged.parquet");
      const m = cli(["merge", ...outputs, "-o", merged, "--json"]);
      expect(m.code, m.stderr).toBe(0);
      expect(JSON.parse(m.stdout)).toMatchObject({ rows: 24, errors: 0, inputs: count });

      const single = join(work, "single.parquet");
      const rest = args.slice(args.indexOf("-o") + 2);
      expect(cli(["embed", join(work, "audio"), "-o", single, ...rest]).code).toBe(0);
      const read = async (p: string) => {
        const buf = readFileSync(p);
        const file = buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength);
        return (await parquetReadObjects({ file })) as Record<string, unknown>[];
      };
      const [a, b] = [await read(single), await read(merged)];
      expect(b.map((r) => r.id)).toEqual(a.map((r) => r.id));
      b.forEach((row, i) => {
        const x = row.embedding as number[];
        const y = a[i]?.embedding as number[];
        expect(Math.max(...x.map((v, j) => Math.abs(v - (y[j] as number))))).toBeLessThanOrEqual(
          1e-6,
        );
      });
    });
  });
});
