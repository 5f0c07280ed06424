/**
 * The packages as a user gets them: every workspace package is packed with `pnpm pack`, the
 * tarballs are installed with plain npm into a scratch project outside the repository (which
 * builds the addon at install time, as on a user's machine), and then:
 * - every package is imported from an ESM script, and a forward runs through the installed
 *   addon on the packaged default model;
 * - a strict TypeScript check compiles against the installed type declarations;
 * - `npx audiomap classify` runs on a generated clip and `npx audiomap info` on the packaged
 *   model, with no --model (the model is found through module resolution);
 * - `npx audiomap demo` runs with the shipped data generator, writing to ~/.cache/audiomap;
 * - `npx audiomap export --random-init` runs the shipped Python exporter.
 * The tarballs are also checked for a LICENSE, the repository fields and resolvable source maps.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
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
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROOT, speak } from "./helpers/cli.js";

const PACKAGES = ["core-native", "embeddings", "viz", "model-kws", "cli"];
const work = mkdtempSync(join(tmpdir(), "audiomap-install-"));
const tarballs = join(work, "tarballs");
const app = join(work, "app");
const pnpm = join(ROOT, ".tools/node_modules/.bin/pnpm");
const rootPkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as {
  devDependencies: Record<string, string>;
};

/** Runs a command in the scratch project; returns stdout, throws with stderr on failure. */
function inApp(cmd: string, args: string[], env: NodeJS.ProcessEnv = {}): string {
  const r = spawnSync(cmd, args, {
    cwd: app,
    encoding: "utf8",
    env: { ...process.env, ...env },
    maxBuffer: 64 * 2 ** 20,
  });
  if (r.status !== 0)
    throw new Error(`${cmd} ${args.join(" ")} exited with ${r.status}:\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

let installLog = "";

beforeAll(() => {
  mkdirSync(tarballs, { recursive: true });
  mkdirSync(app, { recursive: true });
  for (const name of PACKAGES)
    execFileSync(pnpm, ["pack", "--pack-destination", tarballs], {
      cwd: join(ROOT, "packages", name),
      stdio: "ignore",
    });
  writeFileSync(
    join(app, "package.json"),
    `${JSON.stringify({ name: "scratch", private: true, type: "module" }, null, 2)}\n`,
  );
  // npm, not pnpm: the layout most users get, with dependencies hoisted to the top level. The
  // addon's install script runs here and builds audiomap.node against the system LibTorch.
  installLog = inApp("npm", [
    "install",
    "--no-audit",
    "--no-fund",
    "--foreground-scripts",
    ...readdirSync(tarballs).map((f) => join(tarballs, f)),
    `typescript@${rootPkg.devDependencies.typescript}`,
    `@types/node@${rootPkg.devDependencies["@types/node"]}`,
  ]);
}, 1_500_000);
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe("npm install of the packed packages", () => {
  it("builds the addon at install time and says which LibTorch it used", () => {
    expect(installLog).toMatch(/audiomap: using LibTorch from system package/);
    expect(
      existsSync(join(app, "node_modules/@audiomap/core-native/build/Release/audiomap.node")),
    ).toBe(true);
  });

  it("ships a LICENSE, repository fields and source maps that resolve, and no tests", () => {
    for (const name of PACKAGES) {
      const dir = join(app, "node_modules/@audiomap", name);
      expect(readFileSync(join(dir, "LICENSE"), "utf8")).toMatch(/Apache License\s+Version 2\.0/);
      const pkg = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
      expect(pkg.repository?.directory).toBe(`packages/${name}`);
      expect(pkg.homepage).toMatch(/^https:\/\//);
      expect(pkg.bugs?.url).toMatch(/^https:\/\//);
      expect(existsSync(join(dir, "test"))).toBe(false);
      expect(existsSync(join(dir, "tsconfig.json"))).toBe(false);
      const maps = readdirSync(join(dir, "dist"), { recursive: true, encoding: "utf8" }).filter(
        (f) => f.endsWith(".map"),
      );
      expect(maps.length).toBeGreaterThan(0);
      for (const map of maps) {
        const { sources } = JSON.parse(readFileSync(join(dir, "dist", map), "utf8")) as {
          sources: string[];
        };
        for (const source of sources)
          expect(
            existsSync(join(dir, "dist", dirname(map), source)),
            `${name}: ${map} → ${source}`,
          ).toBe(true);
      }
    }
  });

  it("imports every package from ESM and runs a forward through the installed addon", () => {
    writeFileSync(
      join(app, "check.mjs"),
      `import * as core from "@audiomap/core-native";
import * as embeddings from "@audiomap/embeddings";
import * as viz from "@audiomap/viz";
import * as cli from "@audiomap/cli";
import { modelPath, labels } from "@audiomap/model-kws";
const model = await core.loadModel(modelPath, { device: "cpu" });
const length = 16000;
const audio = new Float32Array(length).map((_, i) => 0.1 * Math.sin(i / 5));
const out = await model.forward({ audio, batch: 1, length }, { outputs: ["pooled", "logits"] });
await model.dispose();
console.log(JSON.stringify({
  pooled: out.pooled.shape, logits: out.logits.shape, labels: labels.length,
  finite: Array.from(out.pooled.data).every(Number.isFinite),
  exports: [typeof embeddings.decodeAudio, typeof viz.umap, typeof viz.kmeans, typeof cli.CliError],
}));
`,
    );
    const result = JSON.parse(inApp(process.execPath, ["check.mjs"]).trim().split("\n").at(-1)!);
    expect(result).toEqual({
      pooled: [1, 1, 144], // [layers, batch, hidden]
      logits: [1, 36],
      labels: 36,
      finite: true,
      exports: ["function", "function", "function", "function"],
    });
  });

  it("type-checks a strict TypeScript consumer against the installed declarations", () => {
    writeFileSync(
      join(app, "tsconfig.json"),
      JSON.stringify({
        compilerOptions: {
          target: "ES2022",
          module: "NodeNext",
          moduleResolution: "NodeNext",
          strict: true,
          noUncheckedIndexedAccess: true,
          exactOptionalPropertyTypes: true,
          noEmit: true,
          types: ["node"],
        },
        files: ["check.ts"],
      }),
    );
    writeFileSync(
      join(app, "check.ts"),
      `import { loadModel, type ForwardResult } from "@audiomap/core-native";
import { decodeAudio, type DecodedAudio } from "@audiomap/embeddings";
import { kmeans } from "@audiomap/viz";
import { CliError } from "@audiomap/cli";
import { modelPath, keywords } from "@audiomap/model-kws";
export async function run(file: string): Promise<number> {
  const model = await loadModel(modelPath, { device: "auto" });
  const clip: DecodedAudio = await decodeAudio(file, { targetRate: 16000 });
  const out: ForwardResult = await model.forward({ audio: clip.samples, batch: 1, length: clip.samples.length });
  const { labels } = await kmeans(new Float32Array(8), [4, 2], { k: 2, seed: 1 });
  if (!out.pooled) throw new CliError("no pooled output");
  const first: string | undefined = keywords[0];
  return labels.length + (first?.length ?? 0);
}
`,
    );
    inApp(join(app, "node_modules/.bin/tsc"), ["-p", "."]);
  });

  it("runs `npx audiomap classify` and `npx audiomap info` with the packaged model", () => {
    const clip = join(work, "yes.wav");
    speak("yes", clip);
    const doc = JSON.parse(
      inApp("npx", ["--no-install", "audiomap", "classify", clip, "--json", "-q"]),
    );
    const top = doc.clips[0];
    expect(top.path).toBe(clip);
    expect(top.top[0].label).toBe("yes");
    const info = JSON.parse(inApp("npx", ["--no-install", "audiomap", "info", "--json"]));
    expect(info.path).toBe(join(app, "node_modules/@audiomap/model-kws/model/model.pt"));
    expect(info.labels).toHaveLength(36);
  });

  it("runs `npx audiomap demo` with the shipped generator, writing to ~/.cache/audiomap", () => {
    const home = join(work, "home");
    const out = JSON.parse(
      inApp(
        "npx",
        [
          "--no-install",
          "audiomap",
          "demo",
          "--words",
          "yes,no,up,down",
          "--per-word",
          "6",
          "--json",
          "-q",
        ],
        { HOME: home, XDG_CACHE_HOME: "" },
      ),
    );
    expect(out.report).toBe(join(home, ".cache/audiomap/demo/report/index.html"));
    expect(out.rows + out.failed).toBe(24);
    expect(out.model).toBe(join(app, "node_modules/@audiomap/model-kws/model/model.pt"));
    expect(existsSync(out.report)).toBe(true);
  });

  it("runs `npx audiomap export --random-init` with the shipped exporter", () => {
    const config = join(app, "node_modules/@audiomap/cli/python/configs/tiny.json");
    const out = join(work, "random.pt");
    const exported = JSON.parse(
      inApp("npx", [
        ...["--no-install", "audiomap", "export", "--random-init", "--config", config],
        ...["--seed", "3", "-o", out, "--json"],
      ]),
    );
    expect(exported).toMatchObject({ output: out, bytes: statSync(out).size });
    expect(exported.sha256).toBe(createHash("sha256").update(readFileSync(out)).digest("hex"));
    expect(exported.metadata.source).toBe("random-init config=tiny.json seed=3");
    const info = JSON.parse(inApp("npx", ["--no-install", "audiomap", "info", out, "--json"]));
    expect(info.source).toBe("random-init config=tiny.json seed=3");
    expect(info.hasHead).toBe(false);
  });
});
