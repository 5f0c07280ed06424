/**
 * Deterministic sharding: record number k (0-based, in source order) belongs to shard k mod N.
 * Every shard sees the same source order, so the N parts are disjoint, cover the input, and can
 * be merged back by their `index` column.
 */

/** Shard i of N (0 ≤ index < count). */
export interface Shard {
  index: number;
  count: number;
}

/** A malformed shard spec or environment. */
export class ShardSpecError extends RangeError {
  readonly code = "ERR_SHARD_SPEC";
}

/** Parses `"i/N"`. @example parseShard("2/8") // { index: 2, count: 8 } */
export function parseShard(spec: string): Shard {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(spec);
  if (!m) throw new ShardSpecError(`bad shard "${spec}": use i/N, e.g. 0/4`);
  return checkShard(Number(m[1]), Number(m[2]));
}

function checkShard(index: number, count: number): Shard {
  if (!Number.isInteger(index) || !Number.isInteger(count))
    throw new ShardSpecError(`shard ${index}/${count} is not two whole numbers`);
  if (!(count >= 1) || !(index >= 0) || index >= count) {
    throw new ShardSpecError(`shard ${index}/${count} is out of range: need 0 ≤ i < N`);
  }
  return { index, count };
}

/**
 * The environment variables that {@link shardFromEnv} reads: the only place that names them, so
 * that a job template (docs/k8s/embed-indexed-job.yaml, a Slurm script) can be checked against
 * the code.
 */
export const SHARD_ENV = {
  /** Slurm: this task's array index. */
  slurmTaskId: "SLURM_ARRAY_TASK_ID",
  /** Slurm: the number of tasks in the array. */
  slurmTaskCount: "SLURM_ARRAY_TASK_COUNT",
  /** Slurm: the array's first index (subtracted, for arrays such as `--array=1-4`). */
  slurmTaskMin: "SLURM_ARRAY_TASK_MIN",
  /** Kubernetes Indexed Job: this pod's completion index. */
  jobCompletionIndex: "JOB_COMPLETION_INDEX",
  /** The shard count to go with JOB_COMPLETION_INDEX (Kubernetes does not export it). */
  shardCount: "AUDIOMAP_SHARD_COUNT",
  /** A whole shard spec, "i/N", for any other launcher. */
  shard: "AUDIOMAP_SHARD",
} as const;

/**
 * Reads the shard from the job scheduler's environment, or undefined when none is set:
 * Slurm arrays (`SLURM_ARRAY_TASK_ID`, `SLURM_ARRAY_TASK_COUNT`, with `SLURM_ARRAY_TASK_MIN`
 * subtracted when the array does not start at 0), then Kubernetes indexed jobs
 * (`JOB_COMPLETION_INDEX` with the count from `AUDIOMAP_SHARD_COUNT`, since Kubernetes does not
 * export the completion count), then `AUDIOMAP_SHARD` ("i/N").
 */
export function shardFromEnv(env: NodeJS.ProcessEnv = process.env): Shard | undefined {
  // A scheduler's variables are whole numbers; anything else ("1.5", "", "3a") would give a
  // shard that matches no record, and an empty output that looks finished.
  const whole = (name: string): number => {
    const value = env[name] ?? "";
    if (!/^\s*\d+\s*$/.test(value))
      throw new ShardSpecError(`${name}=${JSON.stringify(value)} is not a whole number`);
    return Number(value);
  };
  const E = SHARD_ENV;
  if (env[E.slurmTaskId] !== undefined && env[E.slurmTaskCount] !== undefined) {
    const min = env[E.slurmTaskMin] === undefined ? 0 : whole(E.slurmTaskMin);
    return checkShard(whole(E.slurmTaskId) - min, whole(E.slurmTaskCount));
  }
  if (env[E.jobCompletionIndex] !== undefined) {
    if (env[E.shardCount] === undefined) {
      throw new ShardSpecError(
        `${E.jobCompletionIndex} is set but ${E.shardCount} is not (pass --shard-count)`,
      );
    }
    return checkShard(whole(E.jobCompletionIndex), whole(E.shardCount));
  }
  const spec = env[E.shard];
  if (spec) return parseShard(spec);
  return undefined;
}

/** True when record number `k` belongs to `shard`. */
export function inShard(k: number, shard: Shard | undefined): boolean {
  return !shard || k % shard.count === shard.index;
}
