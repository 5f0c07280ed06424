/** Atomic file finalisation: write beside the target, flush to disk, then rename over it. */
import { randomBytes } from "node:crypto";
import { open, readdir, rename, rm } from "node:fs/promises";
import { basename, dirname, join } from "node:path";

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
 * Runs `write(tmp)` and renames tmp over `target` only if it succeeds; a crash leaves `target`
 * either absent or complete, never half written.
 */
export async function writeAtomic(
  target: string,
  write: (tmp: string) => Promise<void>,
): Promise<void> {
  const tmp = tempPathFor(target);
  try {
    await write(tmp);
    await fsyncFile(tmp);
    await rename(tmp, target);
  } catch (err) {
    await rm(tmp, { force: true, recursive: true });
    throw err;
  }
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

/** Deletes temp files that a killed writer left beside `target`. */
export async function removeStaleTemps(target: string): Promise<void> {
  const prefix = `.${basename(target)}.tmp-`;
  const names = await readdir(dirname(target)).catch(() => [] as string[]);
  await Promise.all(
    names
      .filter((n) => n.startsWith(prefix))
      .map((n) => rm(join(dirname(target), n), { force: true, recursive: true })),
  );
}
