/**
 * The periodic head check of a relay that shares its store with other relay
 * processes: every followed document's head is read from the store, and a
 * document found ahead of what this process delivered (its fan-out notice was
 * lost: the bus reconnected, or a publish failed while Redis was away) has the
 * missing entries read and offered by the hub. One check at a time.
 */
import type { DocId } from '@tendril/crdt-schema/ids';
import type { RelayStore } from '../store/types.ts';
import type { DocHub } from './doc-hub.ts';
import type { RelayMetrics } from './relay-metrics.ts';

/** Heads asked of the store at once. */
const CHUNK = 256;

export function createHeadCheck(store: Pick<RelayStore, 'head'>, hub: DocHub, metrics: Pick<RelayMetrics, 'headChecks' | 'headCheckGaps'>): () => Promise<void> {
  let running: Promise<void> | undefined;
  const check = async (): Promise<void> => {
    metrics.headChecks.inc();
    const docs: DocId[] = hub.followed();
    for (let i = 0; i < docs.length; i += CHUNK) {
      const chunk = docs.slice(i, i + CHUNK);
      const heads = await Promise.all(chunk.map((doc) => store.head(doc)));
      chunk.forEach((doc, j) => {
        if (heads[j]! > hub.head(doc)) metrics.headCheckGaps.inc();
        hub.advance(doc, heads[j]!);
      });
    }
  };
  return () =>
    (running ??= check().finally(() => {
      running = undefined;
    }));
}
