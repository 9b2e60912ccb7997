/**
 * Deferred pruning: entries a new snapshot covers are deleted only after a
 * grace period, so a peer that is paging through them right now can finish.
 * On shutdown the pending prunes run at once: every peer is disconnected
 * then, and resumes against the snapshot.
 */
import type { DocId } from '@tendril/crdt-schema/ids';
import type { RelayStore } from '../store/types.ts';
import type { Clock, TimerHandle } from './clock.ts';
import type { Logger } from './logger.ts';

export interface Pruner {
  schedule(doc: DocId, seq: number): void;
  /** Cancels the timers and runs every pending prune now. */
  flush(): Promise<void>;
}

export function createPruner(store: RelayStore, clock: Clock, logger: Logger, graceMs: number, track: <T>(p: Promise<T>) => Promise<T>): Pruner {
  const pending = new Map<TimerHandle, { doc: DocId; seq: number }>();
  const prune = (doc: DocId, seq: number): Promise<void> =>
    track(store.prune(doc, seq)).then(
      (n) => logger.info('prune', { doc, through: seq, deleted: n }),
      (err: unknown) => logger.error('prune.failed', { doc, error: String(err) }),
    );
  return {
    schedule(doc, seq) {
      const timer = clock.setTimeout(() => {
        pending.delete(timer);
        void prune(doc, seq);
      }, graceMs);
      pending.set(timer, { doc, seq });
    },
    async flush() {
      const jobs = [...pending];
      pending.clear();
      await Promise.all(
        jobs.map(([timer, job]) => {
          clock.clearTimeout(timer);
          return prune(job.doc, job.seq);
        }),
      );
    },
  };
}
