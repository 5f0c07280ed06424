import type { Command } from "commander";
import { registerBench } from "./bench.js";
import { registerClassify } from "./classify.js";
import { registerCluster } from "./cluster.js";
import { registerDemo } from "./demo.js";
import { registerEmbed } from "./embed.js";
import { registerExport } from "./export.js";
import { registerInfo } from "./info.js";
import { registerMerge } from "./merge.js";
import { registerReport } from "./report.js";
import { registerSearch } from "./search.js";
import { registerUmap } from "./umap.js";

/** Adds one subcommand to the program. Import heavy packages inside the action only. */
export type RegisterCommand = (program: Command) => void;

/** Every subcommand, in help order. */
export const commands: RegisterCommand[] = [
  registerDemo,
  registerEmbed,
  registerClassify,
  registerSearch,
  registerMerge,
  registerInfo,
  registerUmap,
  registerCluster,
  registerReport,
  registerBench,
  registerExport,
];
