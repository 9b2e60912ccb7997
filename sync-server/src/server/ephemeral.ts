/**
 * Delivery of ephemeral frames (presence, streams, snapshot notices) to the
 * subscribers of a document held by this process: the same path for a frame
 * a local peer sent and for one another relay process forwarded. Presence
 * and streams go only to caught-up subscribers; a stream with `to` only to
 * that device's connections; the sender's own connection never gets its frame back.
 * The frame is encoded and framed for the wire once, its payload copied once (prepared-frame.ts).
 */
import { encodeFrameParts, FrameType } from '@tendril/crdt-schema/wire';
import type { EphemeralFrame } from '../fanout/types.ts';
import type { Connection } from './connection.ts';
import type { DocHub } from './doc-hub.ts';
import { prepareFrame, type PreparedFrame } from './prepared-frame.ts';

export function deliverEphemeral(hub: DocHub, frame: EphemeralFrame, sender: Connection | undefined): void {
  let prepared: PreparedFrame | undefined;
  for (const sub of hub.subscribers(frame.doc)) {
    if (sub.conn === sender) continue;
    if (frame.type !== FrameType.SnapshotStored && !sub.isLive) continue;
    if (frame.type === FrameType.Stream && frame.to !== '' && sub.conn.identity?.device !== frame.to) continue;
    prepared ??= prepareFrame(encodeFrameParts(frame));
    sub.conn.sendPrepared(frame.type, prepared);
  }
}
