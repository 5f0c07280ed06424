import type { Command } from "commander";
import { registerCluster } from "./cluster.js";
import { registerReport } from "./report.js";
import { registerUmap } from "./umap.js";

/** Adds one subcommand to the program. Import heavy packages inside the action only. */
export type RegisterCommand = (program: Command) => void;

/** Every subcommand, in help order. */
export const commands: RegisterCommand[] = [registerUmap, registerCluster, registerReport];
