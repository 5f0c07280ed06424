/**
 * The output conventions every command shares: `--json` prints one JSON document on stdout
 * (and nothing else there); `-q` drops progress and summaries, leaving errors and the results
 * a command prints on stdout; otherwise a short human summary.
 */
import type { Command } from "commander";

/** The flags of `addOutputOptions`. */
export interface OutputFlags {
  json?: boolean;
  quiet?: boolean;
}

/** Adds `--json` and `-q, --quiet` to a command. */
export function addOutputOptions(
  command: Command,
  json = "print a JSON summary on stdout",
): Command {
  return command
    .option("--json", json)
    .option("-q, --quiet", "no progress or summary: only errors, and the results a command prints");
}

/** Prints `summary` as one JSON document with --json, else `lines()` unless --quiet. */
export function emit(
  flags: OutputFlags,
  summary: unknown,
  lines: () => string[],
  stream: NodeJS.WritableStream = process.stdout,
): void {
  if (flags.json) process.stdout.write(`${JSON.stringify(summary)}\n`);
  else if (!flags.quiet) for (const line of lines()) stream.write(`${line}\n`);
}
