#!/usr/bin/env node
// Formats and lints the repository's Python (tools/, test helpers) with ruff, run as
// WebAssembly from npm (@astral-sh/ruff-wasm-nodejs), so no Python package is needed.
//   node scripts/lint-python.mjs          check: lists unformatted files and lint findings
//   node scripts/lint-python.mjs --write  formats the files in place, then checks
// Rules: pycodestyle errors and warnings (E, W), pyflakes (F), bugbear (B). Line length is
// left to the formatter (E501 off, as ruff advises); B905 (zip strict=) is off because
// TorchScript does not accept it.
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { PositionEncoding, Workspace } from "@astral-sh/ruff-wasm-nodejs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const write = process.argv.includes("--write");
const settings = {
  "line-length": 100,
  "target-version": "py39",
  lint: { select: ["E", "W", "F", "B"], ignore: ["E501", "B905"] },
};
const workspace = new Workspace(settings, PositionEncoding.Utf16);
const files = execFileSync("git", ["ls-files", "*.py"], { cwd: root, encoding: "utf8" })
  .split("\n")
  .filter(Boolean);
let problems = 0;
for (const file of files) {
  const path = join(root, file);
  const source = readFileSync(path, "utf8");
  const formatted = workspace.format(source);
  let checked = source;
  if (formatted !== source) {
    if (write) {
      writeFileSync(path, formatted);
      checked = formatted;
    } else {
      console.log(`${file}: not formatted (node scripts/lint-python.mjs --write)`);
      problems++;
    }
  }
  for (const d of workspace.check(checked)) {
    const { row, column } = d.start_location;
    console.log(`${file}:${row}:${column}: ${d.code ?? "error"} ${d.message}`);
    problems++;
  }
}
console.log(`ruff ${Workspace.version()}: ${files.length} Python files, ${problems} problem(s)`);
process.exitCode = problems > 0 ? 1 : 0;
