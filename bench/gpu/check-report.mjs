#!/usr/bin/env node
// Checks a gpu-run.json that bench/gpu/run.sh wrote; prints one line per problem and exits 1
// when there is any.
//   every step (unpack … streams) is present, in order, and ok; a skip counts only with a
//   reason, and in --cpu mode none is allowed (the dry run must reach every step);
//   build: the addon has CUDA compiled in (with --cpu: the CUDA LibTorch chroot's build);
//   parity: every check passed; bench: every cell has a throughput, and every skipped baseline
//   names its reason (with --cpu: only the Hugging Face modes, for want of transformers);
//   oom: at least one split, every clip written; streams: the three ways ran.
// usage: node check-report.mjs gpu-run.json [--cpu]
import { readFileSync } from "node:fs";

const STEPS = ["unpack", "build", "export", "parity", "bench", "data", "embed", "oom", "streams"];
const [path, ...flags] = process.argv.slice(2);
if (!path) {
  process.stderr.write("usage: node check-report.mjs gpu-run.json [--cpu]\n");
  process.exit(2);
}
const cpu = flags.includes("--cpu");
const report = JSON.parse(readFileSync(path, "utf8"));
const problems = [];
const names = (report.steps ?? []).map((s) => s.name);
if (names.join() !== STEPS.join()) problems.push(`steps are [${names}], expected [${STEPS}]`);
if (cpu && report.mode !== "cpu") problems.push(`mode is ${report.mode}, expected cpu`);
const step = Object.fromEntries((report.steps ?? []).map((s) => [s.name, s]));
for (const s of report.steps ?? []) {
  if (s.status === "ok") continue;
  if (s.status === "skipped" && s.reason && !cpu) continue;
  problems.push(`${s.name}: ${s.status}${s.reason ? ` (${s.reason})` : " with no reason"}`);
}
const ok = (name) => step[name]?.status === "ok";
const result = (name) => step[name]?.result ?? {};
if (ok("build") && result("build").buildInfo?.cuda !== true)
  problems.push("build: the addon has no CUDA compiled in");
if (ok("parity")) {
  const checks = result("parity").checks ?? [];
  if (checks.length === 0) problems.push("parity: no checks ran");
  for (const c of checks.filter((c) => !c.ok)) problems.push(`parity: ${c.name} failed`);
}
if (ok("bench")) {
  const cells = result("bench").cells ?? [];
  if (cells.length === 0) problems.push("bench: no cells");
  for (const c of cells) {
    if (!(c.audioSecondsPerSecond > 0))
      problems.push(`bench: ${c.dtype} ${c.clipSeconds} s has no throughput`);
    for (const [mode, b] of Object.entries(c.baselines ?? {})) {
      if (b.skipped === undefined || b.skipped === null) {
        if (!(b.ratio > 0)) problems.push(`bench: baseline ${mode} has no ratio`);
      } else if (!b.skipped || (cpu && !(mode.startsWith("hf-") && /transformers/.test(b.skipped))))
        problems.push(`bench: baseline ${mode} skipped (${b.skipped || "no reason"})`);
    }
    if (Object.keys(c.baselines ?? {}).length === 0)
      problems.push(`bench: ${c.dtype} ${c.clipSeconds} s has no baselines`);
  }
}
if (ok("oom")) {
  const o = result("oom");
  if (!(o.oversized?.oomSplits > 0)) problems.push("oom: no batch was split");
  if (o.oversized?.ok !== o.reference?.ok || o.oversized?.failed !== 0)
    problems.push("oom: the oversized run lost clips");
  if (cpu && o.simulated !== true) problems.push("oom: expected the simulated OOM on the CPU");
}
if (ok("streams") && (result("streams").runs ?? []).length !== 3)
  problems.push("streams: expected three ways");
for (const p of problems) console.log(`gpu-run.json: ${p}`);
if (problems.length === 0)
  console.log(`gpu-run.json: ${STEPS.length} steps ok (${report.mode} mode, ${report.wall_s} s)`);
process.exit(problems.length === 0 ? 0 : 1);
