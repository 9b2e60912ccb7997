/**
 * SetCaps: replace a document's capability keys. Only a registered admin of
 * the connection's workspace may, by a signature over this connection's
 * challenge (admin-signed.ts), whatever the current keys are: so a member who
 * once held a document's write key cannot take it over, and an admin can
 * always take back a document whose keys someone else replaced. The replaced
 * keys stay readable by the devices the admin named (`readers`) and by no one
 * else, and never come back (E_CAPS_RETIRED). Success is silent
 * (docs/PROTOCOL.md: an Ack would be mistaken for an envelope's). Subscriptions whose proof key is no longer good for their mode
 * and device end with E_CAPS_CHANGED, on every relay process (the others are
 * told through the fan-out): they resubscribe with the new keys.
 */
import { setCapsBytes, type SetCapsFrame } from '@tendril/crdt-schema/wire';
import type { Connection } from '../connection.ts';
import type { RelayContext } from '../context.ts';
import { adminSigned } from './admin-signed.ts';
import { wasRetired } from './cap-keys.ts';
import { endStaleSubscriptions } from './stale-subscriptions.ts';

export async function handleSetCaps(ctx: RelayContext, conn: Connection, f: SetCapsFrame): Promise<void> {
  const workspace = conn.identity!.workspace;
  const doc = await ctx.store.getDoc(f.doc);
  if (!doc || doc.workspace !== workspace) {
    conn.error('E_UNKNOWN_DOC', { doc: f.doc, ref: f.ref });
    return;
  }
  const message = setCapsBytes(conn.nonce, { workspace, doc: f.doc, writeKey: f.writeKey, readKey: f.readKey, readers: f.readers });
  if (!(await adminSigned(ctx, conn, { workspace, admin: f.admin, message, signature: f.proof, what: 'capability change', doc: f.doc, ref: f.ref }))) return;
  // An admin with stale keys (back from long offline, or an old backup) must not bring back keys a
  // revoked device holds.
  if (wasRetired(doc, f.writeKey) || wasRetired(doc, f.readKey)) {
    conn.error('E_CAPS_RETIRED', { doc: f.doc, ref: f.ref });
    return;
  }
  await ctx.track(ctx.store.setCaps(f.doc, { writeKey: f.writeKey, readKey: f.readKey, readers: f.readers }));
  ctx.announce({ kind: 'caps', doc: f.doc });
  const ended = await endStaleSubscriptions(ctx, f.doc);
  ctx.logger.info('doc.caps_replaced', { doc: f.doc, by: f.admin, readers: f.readers.length, subscriptionsEnded: ended });
}
