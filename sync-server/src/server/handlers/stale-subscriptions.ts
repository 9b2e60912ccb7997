/**
 * After a document's capability keys changed (through this relay process or
 * another), the subscriptions here whose proof key no longer opens the
 * document for their mode and device end with E_CAPS_CHANGED. The keys are
 * read from the store, the one place every process agrees on.
 */
import type { DocId } from '@tendril/crdt-schema/ids';
import type { RelayContext } from '../context.ts';
import { capKeyStillGood } from './cap-keys.ts';
import { endSubscription } from './subscribe.ts';

/** Resolves with how many subscriptions ended. */
export async function endStaleSubscriptions(ctx: Pick<RelayContext, 'store' | 'hub'>, doc: DocId): Promise<number> {
  if (ctx.hub.subscribers(doc).length === 0) return 0;
  const now = await ctx.store.getDoc(doc);
  let ended = 0;
  for (const sub of ctx.hub.subscribers(doc)) {
    if (now && capKeyStillGood(now, sub.mode, sub.capKey, sub.conn.identity!.deviceKey)) continue;
    endSubscription(sub.conn, doc);
    sub.conn.error('E_CAPS_CHANGED', { doc });
    ended++;
  }
  return ended;
}
