// The flags and help every command shares (issue 16 §6): `--json`, `-q`, one description style
// and an example, read from the built CLI's own help so that a new command cannot skip them.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";

const MAIN = resolve(__dirname, "../dist/main.js");

function help(...args: string[]): string {
  const r = spawnSync(process.execPath, [MAIN, ...args, "--help"], { encoding: "utf8" });
  expect(r.status, r.stderr).toBe(0);
  return r.stdout;
}

describe.skipIf(!existsSync(MAIN))("CLI conventions", () => {
  const top = existsSync(MAIN) ? help() : "";
  const commands = [...top.matchAll(/^ {2}([a-z]+) [^\n]*?\s{2,}(\S[^\n]*)$/gm)]
    .map((m) => ({ name: m[1] as string, description: m[2] as string }))
    .filter((c) => c.name !== "help");

  it("finds every command in the top-level help", () => {
    expect(commands.map((c) => c.name).sort()).toEqual(
      [
        "bench",
        "classify",
        "cluster",
        "demo",
        "embed",
        "export",
        "info",
        "merge",
        "report",
        "search",
        "umap",
      ].sort(),
    );
  });

  it.each(commands.map((c) => [c.name, c.description]))(
    "%s has --json, -q, a lower-case description and an example",
    (name, description) => {
      const text = help(name);
      expect(text).toMatch(/^ {2}--json\b/m);
      expect(text).toMatch(/^ {2}-q, --quiet\b/m);
      expect(description[0]).toBe(description[0]?.toLowerCase());
      expect(text).toMatch(/\nExamples?:\n {2}audiomap /);
    },
  );
});
