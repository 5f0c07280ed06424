#!/usr/bin/env node
// Copies the Python the CLI runs into python/ of this package, so that an npm install carries
// it: the exporter (tools/export/audiomap_export and its configs) for `audiomap export`, and the
// keyword data generator (tools/train/gen_data.py with labels.json) for `audiomap demo`.
import { cpSync, mkdirSync, readdirSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const pkg = join(dirname(fileURLToPath(import.meta.url)), "..");
const repo = join(pkg, "..", "..");
const out = join(pkg, "python");

rmSync(out, { recursive: true, force: true });
const copyFiles = (from, to, ext) => {
  mkdirSync(to, { recursive: true });
  for (const name of readdirSync(from).filter((n) => n.endsWith(ext)))
    cpSync(join(from, name), join(to, name));
};
copyFiles(join(repo, "tools/export/audiomap_export"), join(out, "audiomap_export"), ".py");
copyFiles(join(repo, "tools/export/configs"), join(out, "configs"), ".json");
mkdirSync(join(out, "train"), { recursive: true });
for (const name of ["gen_data.py", "labels.json"])
  cpSync(join(repo, "tools/train", name), join(out, "train", name));
