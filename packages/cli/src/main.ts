#!/usr/bin/env node
/**
 * audiomap CLI: flags in, calls to the packages, nothing else. Each command lives in
 * src/commands/<name>.ts and is loaded only when it runs, so `--help` never loads LibTorch.
 */
import { Command } from "commander";
import { commands } from "./commands/index.js";
import { runMain } from "./run.js";

const program = new Command("audiomap")
  .description("Speech audio to embeddings, keyword predictions and pictures, fast.")
  .version("0.1.0");

for (const register of commands) register(program);

await runMain(program, process.argv);
