import { onAbort as subscribeAbort } from "./abort_hub.js";

/**
 * Runs async tasks in call order, at most `limit` at once. A model's forward calls go through
 * one of these with limit 2: the model's thread runs them one at a time, and the second call in
 * flight is the next batch, already parsed and copied into a staging buffer while the current
 * one computes, so the device does not wait for JavaScript between batches. Calls beyond that
 * wait here rather than natively, where an AbortSignal can still drop them.
 */
export class CallQueue {
  readonly #limit: number;
  #running = 0;
  readonly #waiting: (() => void)[] = [];
  readonly #idle: (() => void)[] = [];

  constructor(limit = 1) {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError("limit must be >= 1");
    this.#limit = limit;
  }

  /**
   * Runs `task` now when a slot is free (synchronously, so that work starts in the caller's
   * tick), otherwise once enough earlier tasks have settled. With `signal`, a task that has not
   * started yet rejects with the signal's reason as soon as it aborts.
   */
  run<T>(task: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      let settled = false;
      let unsubscribe: (() => void) | undefined;
      const onAbort = () => {
        if (settled) return;
        settled = true;
        reject(signal?.reason);
      };
      const start = () => {
        unsubscribe?.();
        if (settled) return; // dropped while it waited
        settled = true;
        if (signal?.aborted) {
          reject(signal.reason);
          return;
        }
        this.#running++;
        let promise: Promise<T>;
        try {
          promise = task();
        } catch (error) {
          promise = Promise.reject(error);
        }
        promise.then(resolve, reject).finally(() => {
          this.#running--;
          this.#next();
        });
      };
      if (this.full) {
        if (signal) unsubscribe = subscribeAbort(signal, onAbort);
        this.#waiting.push(start);
      } else {
        start();
      }
    });
  }

  /** True when every slot is taken: a task queued now starts later. */
  get full(): boolean {
    return this.#running >= this.#limit || this.#waiting.length > 0;
  }

  /** Resolves once every task queued so far has settled (or been dropped). */
  drain(): Promise<void> {
    if (this.#running === 0 && this.#waiting.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  #next(): void {
    while (this.#running < this.#limit && this.#waiting.length > 0) this.#waiting.shift()?.();
    this.#settleIdle();
  }

  #settleIdle(): void {
    if (this.#running > 0 || this.#waiting.length > 0) return;
    for (const resolve of this.#idle.splice(0)) resolve();
  }
}
