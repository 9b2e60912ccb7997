/**
 * SetCaps: replace a document's capability keys, proven by the current write
 * key over this connection's challenge. Success is silent (docs/PROTOCOL.md:
 * an Ack would be mistaken for an envelope's). Subscriptions whose proof key
 * is no longer a key for their mode end with E_CAPS_CHANGED (the sender's
 * too, if it subscribed with the old keys): they resubscribe with the new ones.
 */
import { setCapsBytes, CapMode, type SetCapsFrame } from '@tendril/crdt-schema/wire';
import { bytesEqual } from '../../store/bytes.ts';
import type { Connection } from '../connection.ts';
import type { RelayContext } from '../context.ts';
import { endSubscription } from './subscribe.ts';

export async function handleSetCaps(ctx: RelayContext, conn: Connection, f: SetCapsFrame): Promise<void> {
  const doc = await ctx.store.getDoc(f.doc);
  if (!doc || doc.workspace !== conn.identity!.workspace) {
    conn.error('E_UNKNOWN_DOC', { doc: f.doc, ref: f.ref });
    return;
  }
  if (!ctx.verifier.verify(doc.writeKey, setCapsBytes(conn.d.nonce, f.doc, f.writeKey, f.readKey), f.proof)) {
    conn.error('E_AUTH_FAILED', { doc: f.doc, ref: f.ref, detail: 'SetCaps must be signed by the current write key' });
    return;
  }
  await ctx.track(ctx.store.setCaps(f.doc, f.writeKey, f.readKey));
  let ended = 0;
  for (const sub of ctx.hub.subscribers(f.doc)) {
    const stillValid =
      sub.mode === CapMode.Write ? bytesEqual(sub.capKey, f.writeKey) : bytesEqual(sub.capKey, f.readKey) || bytesEqual(sub.capKey, f.writeKey);
    if (stillValid) continue;
    endSubscription(sub.conn, f.doc);
    sub.conn.error('E_CAPS_CHANGED', { doc: f.doc });
    ended++;
  }
  ctx.logger.info('doc.caps_replaced', { doc: f.doc, subscriptionsEnded: ended });
}
