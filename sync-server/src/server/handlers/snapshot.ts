/**
 * SnapshotPut: store a sealed snapshot covering 1..seq. Refused with
 * E_SNAPSHOT_REJECTED without a write subscription, for a seq beyond the head
 * or not newer than the stored snapshot. Accepted: Ack{ref, seq} to the
 * uploader, SnapshotStored{seq} to the document's other subscribers (so they
 * do not upload one of their own for the same stretch; on every relay process), and the covered
 * entries are pruned after the grace period.
 */
import { EnvelopeKind } from '@tendril/crdt-schema/header';
import { CapMode, FrameType, type SnapshotPutFrame } from '@tendril/crdt-schema/wire';
import type { Connection } from '../connection.ts';
import type { RelayContext } from '../context.ts';
import { deliverEphemeral } from '../ephemeral.ts';
import { checkEnvelope } from './envelope-check.ts';

const REASONS = {
  'unknown-doc': 'the document is not registered',
  'beyond-head': 'the snapshot covers entries the relay does not have',
  'not-newer': 'a snapshot at or after this seq is already stored',
} as const;

export async function handleSnapshotPut(ctx: RelayContext, conn: Connection, f: SnapshotPutFrame): Promise<void> {
  const sub = conn.subs.get(f.doc);
  if (sub?.mode !== CapMode.Write) {
    conn.error('E_SNAPSHOT_REJECTED', { doc: f.doc, ref: f.ref, detail: 'snapshots need a write subscription' });
    return;
  }
  if (!(await checkEnvelope(ctx, conn, f.doc, f.ref, f.envelope, EnvelopeKind.Snapshot))) return;
  // Verified on the thread pool, a large snapshot may find its subscription ended meanwhile.
  if (conn.subs.get(f.doc) !== sub || !sub.active) {
    conn.error('E_SNAPSHOT_REJECTED', { doc: f.doc, ref: f.ref, detail: 'the subscription ended' });
    return;
  }
  const result = await ctx.track(ctx.store.putSnapshot(f.doc, f.seq, f.envelope));
  if (!result.ok) {
    conn.error('E_SNAPSHOT_REJECTED', { doc: f.doc, ref: f.ref, detail: REASONS[result.reason] });
    return;
  }
  conn.send({ type: FrameType.Ack, doc: f.doc, ref: f.ref, seq: f.seq });
  const stored = { type: FrameType.SnapshotStored, doc: f.doc, seq: f.seq } as const;
  deliverEphemeral(ctx.hub, stored, conn);
  ctx.announce({ kind: 'frame', frame: stored });
  ctx.schedulePrune(f.doc, f.seq);
  ctx.logger.info('snapshot.stored', { doc: f.doc, seq: f.seq, bytes: f.envelope.length });
}
