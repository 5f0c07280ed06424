import type { Command } from "commander";

/**
 * Exit codes, the same for every command (documented in the CLI README): 0 success; 1 failure;
 * 2 usage error or missing input; 3 finished, but some inputs became error rows; 130
 * interrupted (SIGINT or SIGTERM).
 */
export const ExitCode = { ok: 0, failure: 1, usage: 2, partial: 3, interrupted: 130 } as const;

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

/**
 * Ctrl-C (SIGINT) and SIGTERM, handled in one place. A command that can stop cleanly (embed,
 * which keeps its committed chunks for --resume) registers a handler with `onInterrupt`; the
 * first signal calls it, and the command's rejection is reported as one line with exit 130.
 * With no handler (loading a model, drawing a picture) the first signal prints one line and
 * exits 130 at once. A second signal always exits at once.
 */
let interruptHandler: (() => void) | undefined;
let interrupted = false;

/** Registers what the first interrupt should do; returns the function that unregisters it. */
export function onInterrupt(handler: () => void): () => void {
  interruptHandler = handler;
  return () => {
    if (interruptHandler === handler) interruptHandler = undefined;
  };
}

/** The error a command rejects with when it was interrupted. */
export function interruptedError(hint?: string): CliError {
  return new CliError(`interrupted${hint ? `; ${hint}` : ""}`, ExitCode.interrupted);
}

function installInterruptHandling(): void {
  const onSignal = () => {
    if (interrupted || !interruptHandler) {
      if (!interrupted) process.stderr.write("\naudiomap: interrupted\n");
      process.exit(ExitCode.interrupted);
    }
    interrupted = true;
    interruptHandler();
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  // Once interrupted, a promise that rejects with the interrupt's reason after the command has
  // already reported it is not a new failure: it must not print a second message or a stack.
  process.on("unhandledRejection", (reason) => {
    if (interrupted) return;
    const e = reason as Error;
    console.error(`audiomap: internal error: ${e?.message ?? String(reason)}`);
    if (process.env.AUDIOMAP_DEBUG) console.error(e?.stack);
    process.exit(ExitCode.failure);
  });
}

/** Parses argv and runs the chosen command, turning errors into a message and an exit code. */
export async function runMain(program: Command, argv: string[]): Promise<void> {
  installInterruptHandling();
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
