/**
 * Presence: an encrypted, ephemeral payload forwarded to the document's other
 * subscribers, stamped with the sender's device. Never stored. Capped in size
 * and rate per connection; a peer must be subscribed to the document. Only
 * caught-up subscribers receive it: nothing comes between Subscribed and CaughtUp.
 */
import { encodeFrame, FrameType, type PresenceFrame } from '@tendril/crdt-schema/wire';
import type { Connection } from '../connection.ts';
import type { RelayContext } from '../context.ts';

export function handlePresence(ctx: RelayContext, conn: Connection, f: PresenceFrame): void {
  if (!conn.subs.has(f.doc)) {
    conn.error('E_FORBIDDEN', { doc: f.doc, detail: 'not subscribed to this document' });
    return;
  }
  if (f.payload.length > ctx.limits.maxPresenceBytes) {
    conn.error('E_PRESENCE_TOO_LARGE', { doc: f.doc, detail: `at most ${ctx.limits.maxPresenceBytes} bytes` });
    return;
  }
  const wait = conn.presenceBucket.take(ctx.clock.now());
  if (wait > 0) {
    conn.error('E_RATE_LIMITED', { doc: f.doc, retryAfterMs: wait, detail: 'presence' });
    return;
  }
  let bytes: Uint8Array | undefined;
  for (const sub of ctx.hub.subscribers(f.doc)) {
    if (sub.conn === conn || !sub.isLive) continue;
    bytes ??= encodeFrame({ type: FrameType.Presence, doc: f.doc, from: conn.identity!.device, payload: f.payload });
    sub.conn.sendBytes(FrameType.Presence, bytes);
  }
}
