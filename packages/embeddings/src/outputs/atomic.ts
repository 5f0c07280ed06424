/** Atomic file finalisation: write beside the target, flush to disk, then rename over it. */
import { randomBytes } from "node:crypto";
import { open, readdir, rename, rm } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { injectedWriteFault, killPoint } from "./test-hooks.js";

/** A temporary path in the same folder as `target`, so the final rename is atomic. */
export function tempPathFor(target: string): string {
  return join(
    dirname(target),
    `.${basename(target)}.tmp-${process.pid}-${randomBytes(3).toString("hex")}`,
  );
}

/** Flushes a written file to disk. */
export async function fsyncFile(path: string): Promise<void> {
  const fh = await open(path, "r+");
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/**
 * Flushes a folder's entries (a rename in it) to disk. A no-op where folders cannot be opened
 * for that (Windows).
 */
export async function fsyncDir(dir: string): Promise<void> {
  const fh = await open(dir, "r").catch(() => null);
  try {
    await fh?.sync().catch(() => {});
  } finally {
    await fh?.close();
  }
}

/**
 * Runs `write(tmp)` and renames tmp over `target` only if it succeeds; a crash leaves `target`
 * either absent or complete, never half written. The file is flushed before the rename and its
 * folder after it, so the rename is the commit point even across a power cut.
 */
export async function writeAtomic(
  target: string,
  write: (tmp: string) => Promise<void>,
): Promise<void> {
  const tmp = tempPathFor(target);
  try {
    await write(tmp);
    injectedWriteFault(target);
    await fsyncFile(tmp);
    killPoint(`temp:${basename(target)}`);
    await rename(tmp, target);
  } catch (err) {
    await rm(tmp, { force: true, recursive: true });
    throw err;
  }
  await fsyncDir(dirname(target));
}

/** Writes a small text file atomically. */
export async function writeTextAtomic(target: string, text: string): Promise<void> {
  await writeAtomic(target, async (tmp) => {
    const fh = await open(tmp, "w");
    try {
      await fh.writeFile(text);
    } finally {
      await fh.close();
    }
  });
}

/** `.<target>.tmp-<pid>-<hex>`, as `tempPathFor` names them. */
const TEMP_NAME = /^\.(.+)\.tmp-(\d+)-[0-9a-f]+$/;

/**
 * Whether process `pid` is running here (one of another user counts as running). A writer in
 * another PID namespace (another container on a shared disk) looks dead: two runs into the same
 * output name at once are not supported anyway.
 */
export function processAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Deletes the temp files in `dir` whose writer is no longer running (a kill between writing and
 * renaming leaves one), for the target names in `targets`, or for any target when it is not
 * given. Returns the names deleted.
 */
export async function removeStaleTemps(
  dir: string,
  targets?: ReadonlySet<string>,
): Promise<string[]> {
  const names = await readdir(dir).catch(() => [] as string[]);
  const stale = names.filter((n) => {
    const m = TEMP_NAME.exec(n);
    return m !== null && (!targets || targets.has(m[1] as string)) && !processAlive(Number(m[2]));
  });
  await Promise.all(stale.map((n) => rm(join(dir, n), { force: true, recursive: true })));
  return stale;
}
