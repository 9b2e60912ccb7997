/**
 * Presence: an encrypted, ephemeral payload forwarded to the document's other
 * subscribers, stamped with the sender's device. Never stored. Capped in size
 * and rate per connection; a peer must be subscribed to the document. Only
 * caught-up subscribers receive it: nothing comes between Subscribed and CaughtUp.
 * Subscribers on other relay processes get it through the fan-out.
 */
import { FrameType, type PresenceFrame } from '@tendril/crdt-schema/wire';
import type { Connection } from '../connection.ts';
import type { RelayContext } from '../context.ts';
import { deliverEphemeral } from '../ephemeral.ts';

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
  const frame = { type: FrameType.Presence, doc: f.doc, from: conn.identity!.device, payload: f.payload } as const;
  deliverEphemeral(ctx.hub, frame, conn);
  ctx.announce({ kind: 'frame', frame });
}
