/**
 * Group commit: writes submitted within one event-loop turn (or a short
 * window) are committed together by one synchronous `commit` call, typically
 * one SQLite transaction and one fsync, and every promise settles only after
 * that commit returned. Under load this turns N fsyncs into one.
 */
import { TendrilError } from '@tendril/crdt-schema/errors';

export interface GroupCommitOptions<I, O> {
  /**
   * Commits a batch atomically and returns one result per item, in order; an
   * Error in a slot fails that item only. Throwing fails the whole batch.
   */
  commit(items: readonly I[]): Array<O | Error>;
  /** 0 (default): flush on the next setImmediate; > 0: wait this many ms to gather more. */
  windowMs?: number;
  /** Most items per commit; the rest go in the next one. Default 1000. */
  maxBatch?: number;
}

export interface GroupCommit<I, O> {
  submit(item: I): Promise<O>;
  /** Commits everything queued now, synchronously. */
  flush(): void;
  /** Items queued and not yet committed. */
  readonly pending: number;
}

interface Pending<I, O> {
  item: I;
  resolve(value: O): void;
  reject(err: unknown): void;
}

export function createGroupCommit<I, O>(opts: GroupCommitOptions<I, O>): GroupCommit<I, O> {
  const windowMs = opts.windowMs ?? 0;
  const maxBatch = opts.maxBatch ?? 1000;
  let queue: Pending<I, O>[] = [];
  let scheduled: { cancel(): void } | undefined;

  const schedule = (): void => {
    if (scheduled) return;
    if (windowMs > 0) {
      const t = setTimeout(flush, windowMs);
      scheduled = { cancel: () => clearTimeout(t) };
    } else {
      const t = setImmediate(flush);
      scheduled = { cancel: () => clearImmediate(t) };
    }
  };

  function commitBatch(batch: Pending<I, O>[]): void {
    let results: Array<O | Error>;
    try {
      results = opts.commit(batch.map((p) => p.item));
    } catch (err) {
      const failure = err instanceof TendrilError ? err : new TendrilError('E_STORE_FAILED', 'commit failed', { cause: err });
      for (const p of batch) p.reject(failure);
      return;
    }
    batch.forEach((p, i) => {
      const r = results[i];
      if (r instanceof Error) p.reject(r);
      else p.resolve(r as O);
    });
  }

  function flush(): void {
    scheduled?.cancel();
    scheduled = undefined;
    while (queue.length > 0) {
      const batch = queue.slice(0, maxBatch);
      queue = queue.slice(batch.length);
      commitBatch(batch);
    }
  }

  return {
    submit(item) {
      return new Promise<O>((resolve, reject) => {
        queue.push({ item, resolve, reject });
        schedule();
      });
    },
    flush,
    get pending() {
      return queue.length;
    },
  };
}
