/**
 * Fault hooks for the durability tests (docs/reliability.md). Each does nothing
 * unless its environment variable holds exactly the value it names; they are a test hook, not
 * an interface:
 *
 * - `AUDIOMAP_TEST_KILL_AT=<point>`: the process SIGKILLs itself on reaching that point, so a
 *   test can stop a run at an exact step of finalisation (see `KillPoint`).
 * - `AUDIOMAP_TEST_ENOSPC=<file name>`: the atomic write of the file with that base name fails
 *   with ENOSPC once its temp file is written, as it would on a full disk.
 */
import { basename } from "node:path";

/**
 * The named points, in the order a run reaches them:
 * - `part:<n>`: the n-th part of this process is committed;
 * - `before-finalise`: every part is committed, nothing of the output set is touched yet;
 * - `old-set-removed`: the previous output set of that name is gone, nothing new is written;
 * - `errors-written`: the new errors file is in place, the output is not;
 * - `temp:<file name>`: that file's temp is written and flushed but not renamed into place;
 * - `data-written`: (formats with a sidecar) the data files are in place, the sidecar is not;
 * - `committed`: the output set is complete, the `.parts` folder is still there;
 * - `parts-trashed`: the `.parts` folder is renamed to `.parts.trash-<pid>`, not yet deleted.
 */
export type KillPoint =
  | `part:${number}`
  | "before-finalise"
  | "old-set-removed"
  | "errors-written"
  | `temp:${string}`
  | "data-written"
  | "committed"
  | "parts-trashed";

/** SIGKILLs this process when `AUDIOMAP_TEST_KILL_AT` names `point`. */
export function killPoint(point: KillPoint): void {
  if (process.env.AUDIOMAP_TEST_KILL_AT !== point) return;
  process.kill(process.pid, "SIGKILL");
  // The signal is on its way; run nothing more of this process meanwhile.
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10_000);
}

/** Throws the error a full disk gives when `AUDIOMAP_TEST_ENOSPC` names `target`'s file. */
export function injectedWriteFault(target: string): void {
  if (process.env.AUDIOMAP_TEST_ENOSPC !== basename(target)) return;
  throw Object.assign(
    new Error(`ENOSPC: no space left on device, write '${target}' (AUDIOMAP_TEST_ENOSPC)`),
    { code: "ENOSPC", errno: -28, syscall: "write", path: target },
  );
}
