/**
 * One "abort" listener per AbortSignal, shared by every call waiting on it. A listener per call
 * makes Node print MaxListenersExceededWarning once more than 10 calls wait on one signal, which
 * is normal for a pipeline that queues many forwards under one run's signal.
 */
const hubs = new WeakMap<AbortSignal, Set<() => void>>();

/**
 * Calls `fn` once when `signal` aborts. Returns the function that unsubscribes it; call that
 * when the waiting is over.
 */
export function onAbort(signal: AbortSignal, fn: () => void): () => void {
  let callbacks = hubs.get(signal);
  if (!callbacks) {
    const set = new Set<() => void>();
    callbacks = set;
    hubs.set(signal, set);
    signal.addEventListener(
      "abort",
      () => {
        hubs.delete(signal);
        for (const callback of [...set]) callback();
      },
      { once: true },
    );
  }
  const set = callbacks;
  set.add(fn);
  return () => {
    set.delete(fn);
  };
}
