/** Reading a command's input table, with the CLI's exit codes for input that is not there. */
import { existsSync } from "node:fs";
import type { DataTable, ReadTableOptions } from "@audiomap/viz";
import { CliError, ExitCode } from "../run.js";

/**
 * `readTable` for a file the user named: a missing file, or one in no format audiomap reads,
 * is a usage error (exit 2) naming the path, like a missing `embed` source.
 */
export async function readInputTable(
  path: string,
  options: ReadTableOptions = {},
): Promise<DataTable> {
  if (!existsSync(path)) throw new CliError(`input not found: ${path}`, ExitCode.usage);
  const viz = await import("@audiomap/viz");
  try {
    return await viz.readTable(path, options);
  } catch (err) {
    if (err instanceof viz.TableError && err.code === "TABLE_FORMAT")
      throw new CliError(err.message, ExitCode.usage);
    throw err;
  }
}
