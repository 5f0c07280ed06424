/**
 * Runs async tasks one at a time, in call order. A model's forward calls go through one of
 * these: LibTorch already uses every core for one call, and a call waiting on a native mutex
 * would hold one of libuv's four threadpool threads that file reads and decoding need.
 */
export class SerialQueue {
  #busy = false;
  readonly #waiting: (() => void)[] = [];

  /**
   * Runs `task` now when idle (synchronously, so that work starts in the caller's tick),
   * otherwise after every earlier task has settled. With `signal`, a task that has not
   * started yet rejects with the signal's reason as soon as it aborts.
   */
  run<T>(task: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      let settled = false;
      const onAbort = () => {
        if (settled) return;
        settled = true;
        reject(signal?.reason);
      };
      const start = () => {
        signal?.removeEventListener("abort", onAbort);
        if (settled) return this.#next();
        if (signal?.aborted) {
          settled = true;
          reject(signal.reason);
          return this.#next();
        }
        settled = true;
        this.#busy = true;
        let promise: Promise<T>;
        try {
          promise = task();
        } catch (error) {
          promise = Promise.reject(error);
        }
        promise.then(resolve, reject).finally(() => this.#next());
      };
      if (this.#busy) {
        signal?.addEventListener("abort", onAbort, { once: true });
        this.#waiting.push(start);
      } else {
        start();
      }
    });
  }

  /** True while a task runs: a task queued now starts later. */
  get busy(): boolean {
    return this.#busy;
  }

  /** Resolves once every task queued so far has settled. */
  drain(): Promise<void> {
    return this.run(() => Promise.resolve());
  }

  #next(): void {
    const start = this.#waiting.shift();
    if (start) start();
    else this.#busy = false;
  }
}
