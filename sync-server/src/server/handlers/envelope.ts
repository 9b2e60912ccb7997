/**
 * Envelope: append one sealed update to a document's log. Only on a write
 * subscription. The Ack goes out only after the store committed the entry;
 * then the entry fans out to the document's other subscribers, here and on
 * every relay process on the store (fan-out). A resend of an entry the relay
 * already holds is acknowledged with its original seq (and announced too: an
 * append whose reply was lost was stored but never fanned out); other
 * bytes under an (author, counter) it holds are refused with
 * E_COUNTER_CONFLICT, never acknowledged, so no writer believes they are stored.
 * A visitor's envelope is rate-limited first (guest-hub.ts).
 */
import { isTendrilError } from '@tendril/crdt-schema/errors';
import { EnvelopeKind, type ParsedEnvelope } from '@tendril/crdt-schema/header';
import { CapMode, FrameType, type EnvelopeFrame } from '@tendril/crdt-schema/wire';
import type { Connection } from '../connection.ts';
import type { RelayContext } from '../context.ts';
import type { AppendResult } from '../../store/types.ts';
import { checkEnvelope } from './envelope-check.ts';

/**
 * A visitor's message takes from its visitor's, its link's and its address's buckets before anything
 * else, and must be small: a flood is refused here, before the store and the fan-out.
 */
function admitGuestMessage(ctx: RelayContext, conn: Connection, f: EnvelopeFrame): boolean {
  const session = conn.guest!;
  const now = ctx.clock.now();
  if (session.expiresAt !== 0 && now >= session.expiresAt) {
    conn.fail('E_GUEST_ENDED', { doc: f.doc, ref: f.ref, detail: 'this link expired' });
    return false;
  }
  if (f.envelope.length > ctx.limits.maxGuestMessageBytes) {
    conn.error('E_GUEST_LIMIT', { doc: f.doc, ref: f.ref, detail: `a guest message has at most ${ctx.limits.maxGuestMessageBytes} bytes` });
    return false;
  }
  const { wait, hit } = ctx.guests.hub.takeMessage(session, conn.ip, now);
  if (wait === 0) return true;
  ctx.problems.count(`guest.limit.${hit}`);
  conn.error('E_GUEST_LIMIT', { doc: f.doc, ref: f.ref, retryAfterMs: wait, detail: `messages per minute of this ${hit}` });
  return false;
}

export function handleEnvelope(ctx: RelayContext, conn: Connection, f: EnvelopeFrame): Promise<void> | void {
  const sub = conn.subs.get(f.doc);
  if (sub?.mode !== CapMode.Write) {
    conn.error('E_FORBIDDEN', { doc: f.doc, ref: f.ref, detail: sub ? 'read-only subscription' : 'not subscribed to this document' });
    return;
  }
  if (conn.guest && !admitGuestMessage(ctx, conn, f)) return;
  const checked = checkEnvelope(ctx, conn, f.doc, f.ref, f.envelope, EnvelopeKind.Update);
  if (!(checked instanceof Promise)) {
    if (checked) append(ctx, conn, f, checked);
    return;
  }
  // Verified on the thread pool: the connection's queue waits for this promise, so its later frames stay behind.
  return checked.then((env) => {
    if (!env) return;
    // The subscription may have ended meanwhile (a revocation, a capability change): nothing is stored then.
    if (conn.subs.get(f.doc) !== sub || !sub.active) return conn.error('E_FORBIDDEN', { doc: f.doc, ref: f.ref, detail: 'the subscription ended' });
    append(ctx, conn, f, env);
  });
}

/** Stores a checked envelope; the Ack and the fan-out follow the commit. */
function append(ctx: RelayContext, conn: Connection, f: EnvelopeFrame, env: ParsedEnvelope): void {
  const workspace = conn.identity!.workspace;
  if (ctx.usage.exceeds(ctx.usage.peek(workspace), { bytes: f.envelope.length })) {
    conn.error('E_QUOTA_EXCEEDED', { doc: f.doc, ref: f.ref, detail: `a workspace stores at most ${ctx.limits.maxStoredBytesPerWorkspace} bytes` });
    return;
  }
  // Not awaited: the store batches appends, so the connection's next frames join the same commit.
  // Appends are issued in frame order, which fixes their seqs.
  const answered = ctx.hub.appendingFrom(conn, f.doc, env.authorKey, env.header.counter, f.envelope);
  const commit = ctx.store.append(f.doc, { author: env.authorKey, counter: env.header.counter, envelope: f.envelope });
  void ctx.track(
    commit.then(
      (result) => {
        try {
          acknowledge(ctx, conn, f, env, result);
        } finally {
          // Only now: until the Ack is recorded on the subscription (ackedAt), a catch-up reading this
          // entry must still find it pending, or it would send the connection its own entry.
          answered();
        }
      },
      (err: unknown) => {
        answered();
        const code = isTendrilError(err, 'E_UNKNOWN_DOC') ? 'E_UNKNOWN_DOC' : 'E_STORE_FAILED';
        ctx.logger.error('append.failed', { doc: f.doc, code, error: String(err) });
        conn.error(code, { doc: f.doc, ref: f.ref });
      },
    ),
  );
}

/** After the commit: the Ack (or the conflict refusal), then the fan-out here and to the other relay processes. */
function acknowledge(ctx: RelayContext, conn: Connection, f: EnvelopeFrame, env: ParsedEnvelope, result: AppendResult): void {
  if (result.status === 'conflict') {
    ctx.logger.warn('append.counter_conflict', { doc: f.doc, counter: env.header.counter, seq: result.seq });
    conn.error('E_COUNTER_CONFLICT', { doc: f.doc, ref: f.ref, detail: `counter ${env.header.counter} is stored with other bytes at seq ${result.seq}` });
    return;
  }
  conn.send({ type: FrameType.Ack, doc: f.doc, ref: f.ref, seq: result.seq });
  conn.subs.get(f.doc)?.ackedAt(result.seq);
  if (result.status === 'appended') {
    ctx.usage.add(conn.identity!.workspace, { bytes: f.envelope.length });
    ctx.hub.publish(f.doc, result.seq, f.envelope, conn);
    ctx.announce({ kind: 'appended', doc: f.doc, seq: result.seq });
  } else if (result.status === 'duplicate') {
    // Possibly stored by an attempt whose reply was lost, and so never fanned out: the hub
    // reads it from the store if its subscribers have not had it, here and elsewhere.
    ctx.hub.advance(f.doc, result.seq);
    ctx.announce({ kind: 'appended', doc: f.doc, seq: result.seq });
  }
}
