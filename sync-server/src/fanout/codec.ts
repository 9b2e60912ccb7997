/**
 * Bytes of a fan-out message on a shared bus: `writeFanoutMessage` and
 * `readFanoutMessage`. Layout: one kind byte, the sender's 16-byte id, then
 * the body: for `frame` the wire frame's own encoding (crdt-schema/wire), for
 * the others a JSON object whose fields are parsed as ids and counts on the
 * way in. Whoever can publish on the bus can already rewrite the store, but a
 * malformed message is still refused whole (and counted) rather than acted on.
 */
import { parseDeviceId, parseDocId, parseGuestLinkId, parseWorkspaceId } from '@tendril/crdt-schema/ids';
import { decodeFrame, encodeFrame, FrameType } from '@tendril/crdt-schema/wire';
import type { FanoutMessage } from './types.ts';

/** The sender id's length in bytes. */
export const ORIGIN_BYTES = 16;

const Kind = { appended: 1, frame: 2, revoked: 3, caps: 4, guestEnded: 5 } as const;
const KIND_OF = new Map<number, FanoutMessage['kind']>(Object.entries(Kind).map(([k, v]) => [v, k as FanoutMessage['kind']]));

/** Frames a bus carries (the largest is a stream frame of the relay's maximum payload). */
const MAX_FRAME_BYTES = 2 * 1024 * 1024;

export interface ReadFanoutMessage {
  readonly origin: Uint8Array;
  readonly msg: FanoutMessage;
}

function body(msg: FanoutMessage): Uint8Array {
  switch (msg.kind) {
    case 'appended':
      return new TextEncoder().encode(JSON.stringify({ doc: msg.doc, seq: msg.seq }));
    case 'frame':
      return encodeFrame(msg.frame);
    case 'revoked':
      return new TextEncoder().encode(JSON.stringify({ workspace: msg.workspace, device: msg.device }));
    case 'caps':
      return new TextEncoder().encode(JSON.stringify({ doc: msg.doc }));
    case 'guestEnded':
      return new TextEncoder().encode(JSON.stringify({ link: msg.link, visitor: msg.visitor }));
  }
}

export function writeFanoutMessage(origin: Uint8Array, msg: FanoutMessage): Uint8Array {
  if (origin.length !== ORIGIN_BYTES) throw new Error(`a fan-out origin is ${ORIGIN_BYTES} bytes`);
  const b = body(msg);
  const out = new Uint8Array(1 + ORIGIN_BYTES + b.length);
  out[0] = Kind[msg.kind];
  out.set(origin, 1);
  out.set(b, 1 + ORIGIN_BYTES);
  return out;
}

const seqOf = (v: unknown): number => {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 1) throw new Error('seq must be a positive integer');
  return v;
};

function json(bytes: Uint8Array): Record<string, unknown> {
  const value: unknown = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('the body is not an object');
  return value as Record<string, unknown>;
}

/** Parses a message; throws on anything malformed (unknown kind, bad ids, a frame of another type). */
export function readFanoutMessage(bytes: Uint8Array): ReadFanoutMessage {
  if (bytes.length < 1 + ORIGIN_BYTES + 1) throw new Error('fan-out message too short');
  const kind = KIND_OF.get(bytes[0]!);
  if (!kind) throw new Error(`unknown fan-out message kind ${bytes[0]}`);
  const origin = bytes.slice(1, 1 + ORIGIN_BYTES);
  const rest = bytes.subarray(1 + ORIGIN_BYTES);
  switch (kind) {
    case 'appended': {
      const o = json(rest);
      return { origin, msg: { kind, doc: parseDocId(o.doc), seq: seqOf(o.seq) } };
    }
    case 'frame': {
      const frame = decodeFrame(rest, { maxBytes: MAX_FRAME_BYTES });
      if (frame.type !== FrameType.Presence && frame.type !== FrameType.Stream && frame.type !== FrameType.SnapshotStored) {
        throw new Error(`frame type ${frame.type} does not cross processes`);
      }
      return { origin, msg: { kind, frame } };
    }
    case 'revoked': {
      const o = json(rest);
      return { origin, msg: { kind, workspace: parseWorkspaceId(o.workspace), device: parseDeviceId(o.device) } };
    }
    case 'caps':
      return { origin, msg: { kind, doc: parseDocId(json(rest).doc) } };
    case 'guestEnded': {
      const o = json(rest);
      if (typeof o.visitor !== 'string' || !/^([A-Za-z0-9_-]{43})?$/.test(o.visitor)) throw new Error('visitor must be a 32-byte key in base64url, or empty');
      return { origin, msg: { kind, link: parseGuestLinkId(o.link), visitor: o.visitor } };
    }
  }
}
