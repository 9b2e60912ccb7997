/**
 * Stream: presence's high-volume sibling (terminal output batches, signed
 * input, replay answers). Forwarded to the document's other subscribers, or
 * only to the connections of the device `to` names, with `from` set to the
 * sender's device. Never stored, and only for caught-up subscribers. The
 * sender must be subscribed; size and rate have their own limits. Subscribers
 * on other relay processes get it through the fan-out.
 */
import { FrameType, type StreamFrame } from '@tendril/crdt-schema/wire';
import type { Connection } from '../connection.ts';
import type { RelayContext } from '../context.ts';
import { deliverEphemeral } from '../ephemeral.ts';

export function handleStream(ctx: RelayContext, conn: Connection, f: StreamFrame): void {
  if (!conn.subs.has(f.doc)) {
    conn.error('E_FORBIDDEN', { doc: f.doc, detail: 'not subscribed to this document' });
    return;
  }
  if (f.payload.length > ctx.limits.maxStreamBytes) {
    conn.error('E_STREAM_TOO_LARGE', { doc: f.doc, detail: `at most ${ctx.limits.maxStreamBytes} bytes` });
    return;
  }
  const wait = conn.streamBucket.take(ctx.clock.now());
  if (wait > 0) {
    conn.error('E_RATE_LIMITED', { doc: f.doc, retryAfterMs: wait, detail: 'stream' });
    return;
  }
  const frame = { type: FrameType.Stream, doc: f.doc, from: conn.identity!.device, to: f.to, payload: f.payload } as const;
  deliverEphemeral(ctx.hub, frame, conn);
  ctx.announce({ kind: 'frame', frame });
}
