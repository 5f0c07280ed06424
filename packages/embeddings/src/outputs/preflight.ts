/**
 * Checks made on an output path before any audio is decoded or any forward runs, so that a run
 * that cannot write its result fails in a second with a clear reason, not after hours of work.
 */
import { constants } from "node:fs";
import { mkdir, open, rm, stat } from "node:fs/promises";
import { dirname, join } from "node:path";
import type { OutputFormat } from "./format.js";
import { outputSetFiles } from "./output-set.js";

/** Why an output path cannot be written: ERR_OUTPUT_PATH (its kind) or ERR_OUTPUT_NOT_WRITABLE. */
export class OutputPathError extends Error {
  readonly code: "ERR_OUTPUT_PATH" | "ERR_OUTPUT_NOT_WRITABLE";
  constructor(code: OutputPathError["code"], message: string) {
    super(message);
    this.name = "OutputPathError";
    this.code = code;
  }
}

const denied: Record<string, string> = {
  EACCES: "permission denied",
  EPERM: "permission denied",
  EROFS: "the file system is read-only",
  ENOTDIR: "a part of the path is a file, not a folder",
  ENOSPC: "no space left on the device",
  EDQUOT: "the disk quota is exhausted",
};

/**
 * Fails unless `output` and the files of its set (`outputSetFiles`: errors file, sidecar, .npy's
 * .jsonl) can be created: a Lance output must be a folder or absent, every other path a file or
 * absent; their folder must exist or be
 * creatable, and writable (probed by creating and removing a file, which is the only test that
 * holds for root and for read-only mounts).
 * @throws OutputPathError
 */
export async function checkOutputPath(output: string, format: OutputFormat): Promise<void> {
  for (const path of outputSetFiles(output, format)) {
    // Every file of the set is a file, but for a Lance table, which is a folder.
    const folder = format === "lance" && path === output;
    const st = await stat(path).catch(() => null);
    if (st && st.isDirectory() !== folder)
      throw new OutputPathError(
        "ERR_OUTPUT_PATH",
        `${path} is ${folder ? "a file" : "a folder"}; the ${format} output needs ${folder ? "a folder" : "a file"} there`,
      );
  }
  const dir = dirname(output.replace(/\/+$/, ""));
  const unwritable = (err: unknown) => {
    const code = (err as { code?: string }).code ?? "";
    return new OutputPathError(
      "ERR_OUTPUT_NOT_WRITABLE",
      `cannot write the output in ${dir}: ${denied[code] ?? (err as Error).message} (${code})`,
    );
  };
  await mkdir(dir, { recursive: true }).catch((err) => {
    throw unwritable(err);
  });
  const probe = join(dir, `.audiomap-write-probe-${process.pid}`);
  try {
    const fh = await open(probe, constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY);
    await fh.close();
  } catch (err) {
    throw unwritable(err);
  } finally {
    await rm(probe, { force: true }).catch(() => {});
  }
}
