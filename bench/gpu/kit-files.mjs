#!/usr/bin/env node
// Lists, one path a line relative to the repo root, the JavaScript that `audiomap` needs at run
// time: each workspace package's package.json and its links to its dependencies, and every
// third-party package of the CLI's production dependency closure in pnpm's store
// (node_modules/.pnpm/<id>/node_modules/<name>) with the links beside it to its own
// dependencies. Taken as they are (links kept), that is a pnpm layout Node resolves unchanged;
// a flat copy would not do, as two versions of some packages are in the closure.
// The compiled dist/ folders are not listed: pack.sh compiles them afresh.
// usage: node kit-files.mjs <repo root> [excluded package name prefix ...]
import { existsSync, lstatSync, readFileSync, realpathSync } from "node:fs";
import { createRequire } from "node:module";
import { join, relative } from "node:path";

const [root, ...excluded] = process.argv.slice(2);
if (!root) {
  process.stderr.write("usage: node kit-files.mjs <repo root> [excluded name prefix ...]\n");
  process.exit(2);
}
const skip = (name) => excluded.some((prefix) => name.startsWith(prefix));
const out = new Set();
const seen = new Set();

function depsOf(dir) {
  const pkg = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
  return {
    required: Object.keys(pkg.dependencies ?? {}),
    optional: Object.keys(pkg.optionalDependencies ?? {}),
  };
}

// The real folder of a package and the folder its dependency links sit in.
function walk(real) {
  if (seen.has(real)) return;
  seen.add(real);
  const rel = relative(root, real);
  const workspace = rel.startsWith("packages/");
  // A workspace package resolves from its own node_modules; a store package from the
  // node_modules folder it sits in (its name may be scoped: one or two levels up).
  const linkDir = workspace
    ? join(real, "node_modules")
    : join(root, rel.slice(0, rel.lastIndexOf("/node_modules/") + "/node_modules".length));
  if (workspace) out.add(join(rel, "package.json"));
  else out.add(rel);
  const { required, optional } = depsOf(real);
  const lookup = createRequire(join(real, "package.json")).resolve.paths("x") ?? [];
  for (const name of [...required, ...optional]) {
    if (skip(name)) continue;
    const found = lookup.map((p) => join(p, name)).find((p) => existsSync(p));
    if (!found) {
      if (required.includes(name)) throw new Error(`${name} (needed by ${rel}) is not installed`);
      continue; // an optional dependency for another platform
    }
    const link = join(linkDir, name);
    if (existsSync(link) && lstatSync(link).isSymbolicLink()) out.add(relative(root, link));
    walk(realpathSync(found));
  }
}

walk(realpathSync(join(root, "packages", "cli")));
process.stdout.write(`${[...out].sort().join("\n")}\n`);
