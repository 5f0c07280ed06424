/**
 * Bounded prefetch: runs an async `fn` over a source with at most `concurrency` calls running
 * and at most `capacity` items started but not yet consumed, yielding results in source order.
 * While the consumer works on one item the next ones are already being produced; when it falls
 * behind, the producer stops pulling from the source (backpressure), so memory stays bounded by
 * `capacity` items whatever the source's size.
 */
export async function* prefetchMap<T, R>(
  source: AsyncIterable<T> | Iterable<T>,
  fn: (item: T) => Promise<R>,
  options: { concurrency?: number; capacity?: number } = {},
): AsyncGenerator<R> {
  const concurrency = Math.max(1, options.concurrency ?? 2);
  const capacity = Math.max(concurrency, options.capacity ?? 8);
  const iterator = (
    Symbol.asyncIterator in source
      ? (source as AsyncIterable<T>)[Symbol.asyncIterator]()
      : (source as Iterable<T>)[Symbol.iterator]()
  ) as AsyncIterator<T>;
  let running = 0;
  const waiters: (() => void)[] = [];
  const limited = async (item: T): Promise<R> => {
    while (running >= concurrency) await new Promise<void>((r) => waiters.push(r));
    running++;
    try {
      return await fn(item);
    } finally {
      running--;
      waiters.shift()?.();
    }
  };
  const pending: Promise<R>[] = [];
  let done = false;
  const fill = async () => {
    while (!done && pending.length < capacity) {
      const next = await iterator.next();
      if (next.done) {
        done = true;
        break;
      }
      const p = limited(next.value);
      // A rejection is seen when the consumer reaches it; this avoids an unhandled rejection.
      p.catch(() => {});
      pending.push(p);
    }
  };
  try {
    await fill();
    while (pending.length > 0) {
      const value = await (pending.shift() as Promise<R>);
      await fill();
      yield value;
    }
  } finally {
    if (!done) await iterator.return?.();
  }
}
