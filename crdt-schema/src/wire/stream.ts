/**
 * The document frames: subscribing, appending, catch-up, snapshots, presence, streams.
 * Each `writeX` writes the type tag and the fields in declaration order; each
 * `readX` reads the fields after the tag, which the dispatcher in codec.ts consumed.
 */
import { CapMode, FrameType } from './frames.ts';
import type {
  AckFrame,
  CaughtUpFrame,
  SnapshotStoredFrame,
  EntryFrame,
  EnvelopeFrame,
  PresenceFrame,
  StreamFrame,
  SnapshotFrame,
  SnapshotPutFrame,
  SubscribedFrame,
  SubscribeFrame,
  UnsubscribeFrame,
} from './frames.ts';
import type { Decoder, Encoder } from './fields.ts';
import {
  malformed,
  readBytes,
  readDeviceId,
  readDocId,
  readFixed,
  readFlag,
  readText,
  readUint,
  unencodable,
  writeBytes,
  writeDeviceId,
  writeDocId,
  writeFixed,
  writeFlag,
  writeText,
  writeUint,
} from './fields.ts';
import { MAX_ID_BYTES, PUBLIC_KEY_BYTES, SIGNATURE_BYTES } from './limits.ts';
import { parseDeviceId, type DeviceId } from '../ids.ts';

/** A capability mode as a varUint, 0 (read) or 1 (write). */
function writeMode(e: Encoder, mode: CapMode, what: string): void {
  if (mode !== CapMode.Read && mode !== CapMode.Write) throw unencodable(what, `${String(mode)} is not a capability mode`);
  writeUint(e, mode, what);
}

function readMode(d: Decoder, what: string): CapMode {
  const at = d.pos;
  const mode = readUint(d, what);
  if (mode !== CapMode.Read && mode !== CapMode.Write) throw malformed(what, at, `${mode} is not a capability mode`);
  return mode;
}

export function writeSubscribe(e: Encoder, f: SubscribeFrame): void {
  writeUint(e, FrameType.Subscribe, 'Subscribe.type');
  writeDocId(e, f.doc, 'Subscribe.doc');
  writeUint(e, f.cursor, 'Subscribe.cursor');
  writeMode(e, f.mode, 'Subscribe.mode');
  writeFixed(e, f.proof, SIGNATURE_BYTES, 'Subscribe.proof');
  writeFlag(e, f.create !== undefined, 'Subscribe.create');
  if (f.create === undefined) return;
  const create = f.create as Partial<NonNullable<SubscribeFrame['create']>> | null;
  if (create === null || typeof create !== 'object') throw unencodable('Subscribe.create', 'not an object');
  writeFixed(e, create.writeKey!, PUBLIC_KEY_BYTES, 'Subscribe.create.writeKey');
  writeFixed(e, create.readKey!, PUBLIC_KEY_BYTES, 'Subscribe.create.readKey');
}

export function readSubscribe(d: Decoder): SubscribeFrame {
  const doc = readDocId(d, 'Subscribe.doc');
  const cursor = readUint(d, 'Subscribe.cursor');
  const mode = readMode(d, 'Subscribe.mode');
  const proof = readFixed(d, SIGNATURE_BYTES, 'Subscribe.proof');
  const frame: SubscribeFrame = { type: FrameType.Subscribe, doc, cursor, mode, proof };
  if (readFlag(d, 'Subscribe.create')) {
    const writeKey = readFixed(d, PUBLIC_KEY_BYTES, 'Subscribe.create.writeKey');
    const readKey = readFixed(d, PUBLIC_KEY_BYTES, 'Subscribe.create.readKey');
    frame.create = { writeKey, readKey };
  }
  return frame;
}

export function writeSubscribed(e: Encoder, f: SubscribedFrame): void {
  writeUint(e, FrameType.Subscribed, 'Subscribed.type');
  writeDocId(e, f.doc, 'Subscribed.doc');
  writeMode(e, f.mode, 'Subscribed.mode');
  writeUint(e, f.head, 'Subscribed.head');
  writeUint(e, f.snapshotSeq, 'Subscribed.snapshotSeq');
}

export function readSubscribed(d: Decoder): SubscribedFrame {
  const doc = readDocId(d, 'Subscribed.doc');
  const mode = readMode(d, 'Subscribed.mode');
  const head = readUint(d, 'Subscribed.head');
  const snapshotSeq = readUint(d, 'Subscribed.snapshotSeq');
  return { type: FrameType.Subscribed, doc, mode, head, snapshotSeq };
}

export function writeEnvelope(e: Encoder, f: EnvelopeFrame): void {
  writeUint(e, FrameType.Envelope, 'Envelope.type');
  writeDocId(e, f.doc, 'Envelope.doc');
  writeUint(e, f.ref, 'Envelope.ref');
  writeBytes(e, f.envelope, 'Envelope.envelope');
}

export function readEnvelope(d: Decoder): EnvelopeFrame {
  const doc = readDocId(d, 'Envelope.doc');
  const ref = readUint(d, 'Envelope.ref');
  const envelope = readBytes(d, 'Envelope.envelope');
  return { type: FrameType.Envelope, doc, ref, envelope };
}

export function writeAck(e: Encoder, f: AckFrame): void {
  writeUint(e, FrameType.Ack, 'Ack.type');
  writeDocId(e, f.doc, 'Ack.doc');
  writeUint(e, f.ref, 'Ack.ref');
  writeUint(e, f.seq, 'Ack.seq');
}

export function readAck(d: Decoder): AckFrame {
  const doc = readDocId(d, 'Ack.doc');
  const ref = readUint(d, 'Ack.ref');
  const seq = readUint(d, 'Ack.seq');
  return { type: FrameType.Ack, doc, ref, seq };
}

export function writeEntry(e: Encoder, f: EntryFrame): void {
  writeUint(e, FrameType.Entry, 'Entry.type');
  writeDocId(e, f.doc, 'Entry.doc');
  writeUint(e, f.seq, 'Entry.seq');
  writeBytes(e, f.envelope, 'Entry.envelope');
}

export function readEntry(d: Decoder): EntryFrame {
  const doc = readDocId(d, 'Entry.doc');
  const seq = readUint(d, 'Entry.seq');
  const envelope = readBytes(d, 'Entry.envelope');
  return { type: FrameType.Entry, doc, seq, envelope };
}

export function writeCaughtUp(e: Encoder, f: CaughtUpFrame): void {
  writeUint(e, FrameType.CaughtUp, 'CaughtUp.type');
  writeDocId(e, f.doc, 'CaughtUp.doc');
  writeUint(e, f.head, 'CaughtUp.head');
}

export function readCaughtUp(d: Decoder): CaughtUpFrame {
  const doc = readDocId(d, 'CaughtUp.doc');
  const head = readUint(d, 'CaughtUp.head');
  return { type: FrameType.CaughtUp, doc, head };
}

export function writeSnapshotPut(e: Encoder, f: SnapshotPutFrame): void {
  writeUint(e, FrameType.SnapshotPut, 'SnapshotPut.type');
  writeDocId(e, f.doc, 'SnapshotPut.doc');
  writeUint(e, f.ref, 'SnapshotPut.ref');
  writeUint(e, f.seq, 'SnapshotPut.seq');
  writeBytes(e, f.envelope, 'SnapshotPut.envelope');
}

export function readSnapshotPut(d: Decoder): SnapshotPutFrame {
  const doc = readDocId(d, 'SnapshotPut.doc');
  const ref = readUint(d, 'SnapshotPut.ref');
  const seq = readUint(d, 'SnapshotPut.seq');
  const envelope = readBytes(d, 'SnapshotPut.envelope');
  return { type: FrameType.SnapshotPut, doc, ref, seq, envelope };
}

export function writeSnapshot(e: Encoder, f: SnapshotFrame): void {
  writeUint(e, FrameType.Snapshot, 'Snapshot.type');
  writeDocId(e, f.doc, 'Snapshot.doc');
  writeUint(e, f.seq, 'Snapshot.seq');
  writeBytes(e, f.envelope, 'Snapshot.envelope');
}

export function readSnapshot(d: Decoder): SnapshotFrame {
  const doc = readDocId(d, 'Snapshot.doc');
  const seq = readUint(d, 'Snapshot.seq');
  const envelope = readBytes(d, 'Snapshot.envelope');
  return { type: FrameType.Snapshot, doc, seq, envelope };
}

export function writeSnapshotStored(e: Encoder, f: SnapshotStoredFrame): void {
  writeUint(e, FrameType.SnapshotStored, 'SnapshotStored.type');
  writeDocId(e, f.doc, 'SnapshotStored.doc');
  writeUint(e, f.seq, 'SnapshotStored.seq');
}

export function readSnapshotStored(d: Decoder): SnapshotStoredFrame {
  const doc = readDocId(d, 'SnapshotStored.doc');
  const seq = readUint(d, 'SnapshotStored.seq');
  return { type: FrameType.SnapshotStored, doc, seq };
}

export function writePresence(e: Encoder, f: PresenceFrame): void {
  writeUint(e, FrameType.Presence, 'Presence.type');
  writeDocId(e, f.doc, 'Presence.doc');
  writeDeviceId(e, f.from, 'Presence.from');
  writeBytes(e, f.payload, 'Presence.payload');
}

export function readPresence(d: Decoder): PresenceFrame {
  const doc = readDocId(d, 'Presence.doc');
  const from = readDeviceId(d, 'Presence.from');
  const payload = readBytes(d, 'Presence.payload');
  return { type: FrameType.Presence, doc, from, payload };
}

export function writeUnsubscribe(e: Encoder, f: UnsubscribeFrame): void {
  writeUint(e, FrameType.Unsubscribe, 'Unsubscribe.type');
  writeDocId(e, f.doc, 'Unsubscribe.doc');
}

export function readUnsubscribe(d: Decoder): UnsubscribeFrame {
  return { type: FrameType.Unsubscribe, doc: readDocId(d, 'Unsubscribe.doc') };
}

/** A Stream frame's fields before its payload. */
export function writeStreamHead(e: Encoder, f: Omit<StreamFrame, 'payload'>): void {
  writeUint(e, FrameType.Stream, 'Stream.type');
  writeDocId(e, f.doc, 'Stream.doc');
  writeDeviceId(e, f.from, 'Stream.from');
  if (f.to === '') writeText(e, '', MAX_ID_BYTES, 'Stream.to');
  else writeDeviceId(e, f.to as DeviceId, 'Stream.to');
}

export function writeStream(e: Encoder, f: StreamFrame): void {
  writeStreamHead(e, f);
  writeBytes(e, f.payload, 'Stream.payload');
}

export function readStream(d: Decoder): StreamFrame {
  const doc = readDocId(d, 'Stream.doc');
  const from = readDeviceId(d, 'Stream.from');
  const at = d.pos;
  const to = readText(d, MAX_ID_BYTES, 'Stream.to');
  if (to !== '') {
    try {
      parseDeviceId(to);
    } catch (cause) {
      throw malformed('Stream.to', at, 'neither "" nor a valid device id', cause);
    }
  }
  const payload = readBytes(d, 'Stream.payload');
  return { type: FrameType.Stream, doc, from, to, payload };
}
