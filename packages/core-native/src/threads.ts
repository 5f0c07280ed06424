/**
 * Intra-op threads of LibTorch. Debian's LibTorch starts with one thread whatever the machine,
 * so audiomap sets a default before the first model loads: `OMP_NUM_THREADS` when set,
 * otherwise `os.availableParallelism()`.
 */
import { availableParallelism } from "node:os";
import { native } from "./binding.js";
import { InvalidArgumentError } from "./errors.js";

let configured = false;

/** The thread count used when `setThreads` was never called. */
export function defaultThreads(): number {
  const fromEnv = Number(process.env.OMP_NUM_THREADS);
  return Number.isInteger(fromEnv) && fromEnv > 0 ? fromEnv : availableParallelism();
}

/**
 * Sets the process-wide number of intra-op threads used by forward calls (a model loaded
 * with its own `threads` option keeps that). Inter-op threads are set once, on the first
 * call, to the same number.
 * @example setThreads(4);
 */
export function setThreads(threads: number): void {
  if (!Number.isInteger(threads) || threads < 1 || threads > 1024) {
    throw new InvalidArgumentError(
      "ERR_INVALID_ARG_TYPE",
      `setThreads(threads): expected an integer in [1, 1024], got ${threads}`,
    );
  }
  native().setThreads(threads);
  configured = true;
}

/** The number of intra-op threads LibTorch uses on the calling (main) thread. */
export function getThreads(): number {
  return native().getThreads();
}

/** Applies `defaultThreads()` unless `setThreads` was called; run before the first load. */
export function ensureThreads(): void {
  if (!configured) setThreads(defaultThreads());
}
