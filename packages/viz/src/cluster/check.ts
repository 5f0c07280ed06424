/** Throws a RangeError (code ERR_K) unless `k` is an integer number of clusters for `n` points. */
export function checkClusterCount(k: number, n: number): void {
  if (!Number.isInteger(k) || k < 1 || k > n) {
    throw Object.assign(new RangeError(`k=${k} must be an integer in [1, ${n}]`), {
      code: "ERR_K",
    });
  }
}
