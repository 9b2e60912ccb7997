/**
 * Work in flight that a graceful shutdown waits for: appends that must be
 * committed and acknowledged before the relay tells peers it is going away.
 */

export interface Inflight {
  track<T>(work: Promise<T>): Promise<T>;
  /** Resolves once everything tracked so far, and anything it started, has settled. */
  drain(): Promise<void>;
  readonly size: number;
}

export function createInflight(): Inflight {
  const pending = new Set<Promise<unknown>>();
  return {
    track(work) {
      const settled = work.then(
        () => undefined,
        () => undefined,
      );
      pending.add(settled);
      void settled.then(() => pending.delete(settled));
      return work;
    },
    async drain() {
      while (pending.size > 0) await Promise.all([...pending]);
    },
    get size() {
      return pending.size;
    },
  };
}
