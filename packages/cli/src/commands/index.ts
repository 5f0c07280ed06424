import type { Command } from "commander";

/** Adds one subcommand to the program. Import heavy packages inside the action only. */
export type RegisterCommand = (program: Command) => void;

/** Every subcommand, in help order. */
export const commands: RegisterCommand[] = [];
