import type { Command } from "commander";

/**
 * Exit codes, documented in the CLI README:
 * 0 success; 1 failure; 2 usage error; 3 finished, but some inputs became error rows.
 */
export const ExitCode = { ok: 0, failure: 1, usage: 2, partial: 3 } as const;

/** A failure that the CLI reports as one line, with the given exit code. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = ExitCode.failure,
  ) {
    super(message);
    this.name = "CliError";
  }
}

/** Parses argv and runs the chosen command, turning errors into a message and an exit code. */
export async function runMain(program: Command, argv: string[]): Promise<void> {
  // Subcommands copy the parent's settings only when they are created, and they are created
  // before this runs: set the override on each of them too, or commander calls process.exit(1).
  const override = (c: Command): void => {
    c.exitOverride();
    for (const sub of c.commands) override(sub);
  };
  override(program);
  try {
    await program.parseAsync(argv);
  } catch (err) {
    const e = err as Error & { code?: string; exitCode?: number };
    if (e.code?.startsWith("commander.")) {
      // commander already printed help, version or the usage error.
      process.exitCode =
        e.code === "commander.helpDisplayed" || e.code === "commander.version"
          ? ExitCode.ok
          : ExitCode.usage;
      return;
    }
    const code = e.code ? ` [${e.code}]` : "";
    console.error(`audiomap: ${e.message}${code}`);
    if (process.env.AUDIOMAP_DEBUG) console.error(e.stack);
    process.exitCode = e instanceof CliError ? e.exitCode : ExitCode.failure;
  }
}
