/**
 * The README's "Everyday commands" block, run line by line as written. The inputs its example
 * paths name are made here in a scratch folder (a Speech Commands-layout folder of espeak-ng
 * words, a clip, a recording, an HF checkpoint and a config from the fixtures), the alias is
 * defined from the clone as the README says, and each line must exit 0 and write what it names.
 * A README edit that breaks a command, or a CLI change that breaks the README, fails here.
 */
import { execFileSync, spawnSync } from "node:child_process";
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROOT, requireBuilt, speak } from "./helpers/cli.js";

const work = mkdtempSync(join(tmpdir(), "audiomap-readme-"));

/** The lines of the first sh block under `## <heading>`. */
function readmeBlock(heading: string): string[] {
  const readme = readFileSync(join(ROOT, "README.md"), "utf8");
  const section = readme.split(`\n## ${heading}\n`)[1]?.split("\n## ")[0] ?? "";
  const block = section.split("```sh\n")[1]?.split("```")[0];
  if (!block) throw new Error(`README.md has no sh block under "## ${heading}"`);
  return block.split("\n").filter((l) => l.trim() && !l.trim().startsWith("#"));
}

const lines = readmeBlock("Everyday commands");
const alias = lines.find((l) => l.startsWith("alias audiomap="));
const commands = lines.filter((l) => l.startsWith("audiomap "));

/** A Speech Commands v2 layout: <word>/<speaker>_nohash_0.wav and the split lists. */
function speechCommands(dir: string): void {
  const words = [
    "yes",
    "no",
    "up",
    "down",
    "left",
    "right",
    "on",
    "off",
    "stop",
    "go",
    "zero",
    "one",
  ];
  const voices = ["en-us", "en-us+f3", "en-gb", "en-us+m4", "en-gb+f2"];
  const test: string[] = [];
  const validation: string[] = [];
  for (const word of words) {
    mkdirSync(join(dir, word), { recursive: true });
    voices.forEach((voice, v) => {
      const rel = `${word}/spk${v}_nohash_0.wav`;
      speak(word, join(dir, rel), voice);
      (v === 0 ? validation : test).push(rel);
    });
  }
  writeFileSync(join(dir, "testing_list.txt"), `${test.join("\n")}\n`);
  writeFileSync(join(dir, "validation_list.txt"), `${validation.join("\n")}\n`);
}

beforeAll(() => {
  requireBuilt();
  speechCommands(join(work, "path/to/speech_commands"));
  speak("yes", join(work, "clip.wav"));
  // A recording: three words with a second of silence between them.
  const parts = ["left", "stop", "go"].map((w, i) => {
    const f = join(work, `part${i}.wav`);
    speak(w, f);
    return f;
  });
  const gap = join(work, "gap.wav");
  execFileSync("sox", ["-n", "-r", "22050", "-c", "1", gap, "trim", "0", "1"]);
  execFileSync("sox", [parts[0]!, gap, parts[1]!, gap, parts[2]!, join(work, "long.wav")]);
  cpSync(join(ROOT, "fixtures/tiny"), join(work, "path/to/checkpoint"), { recursive: true });
  cpSync(join(ROOT, "tools/export/configs/tiny.json"), join(work, "path/to/config.json"));
  symlinkSync(join(ROOT, "fixtures"), join(work, "fixtures"));
}, 300_000);
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** What each command must leave behind, beyond exiting 0. */
const writes: Record<string, string[]> = {
  "audiomap embed": ["sc.parquet"],
  "audiomap umap": ["sc.layout.parquet", "sc.png", "sc.html"],
  "audiomap cluster": ["sc.clusters.parquet"],
  "audiomap report": ["report/index.html"],
  "audiomap export path": ["model.pt"],
  "audiomap export --random-init": ["random.pt"],
};

describe("README: everyday commands, as written", () => {
  it("has the alias line and the commands", () => {
    expect(alias).toBe('alias audiomap="node $PWD/packages/cli/dist/main.js"');
    expect(commands.length).toBeGreaterThanOrEqual(10);
  });

  // In order: later lines read what earlier ones wrote (sc.parquet).
  for (const command of commands) {
    it(command.replace(/\s+#.*$/, ""), () => {
      const script = `shopt -s expand_aliases\ncd ${JSON.stringify(ROOT)}\n${alias}\ncd ${JSON.stringify(work)}\n${command}\n`;
      const r = spawnSync("bash", ["-e", "-c", script], { encoding: "utf8", cwd: work });
      expect(r.status, `${command}\n${r.stdout}\n${r.stderr}`).toBe(0);
      const key = Object.keys(writes).find((k) => command.startsWith(k));
      for (const file of key ? writes[key]! : [])
        expect(existsSync(join(work, file)), file).toBe(true);
      if (command.startsWith("audiomap classify clip.wav")) expect(r.stdout).toMatch(/\byes\b/);
      if (command.startsWith("audiomap info"))
        expect(r.stdout).toMatch(/model-kws\/model\/model\.pt/);
    });
  }
});
