/**
 * The guest frames: GuestLink, GuestHello, GuestWatch, GuestEnd, GuestState, GuestPresence.
 * Each `writeX` writes the type tag and the fields in declaration order; each
 * `readX` reads the fields after the tag, which the dispatcher in codec.ts consumed.
 */
import { parseGuestLinkId, type GuestLinkId } from '../ids.ts';
import { FrameType } from './frames.ts';
import type { GuestEndFrame, GuestHelloFrame, GuestLinkFrame, GuestPresenceFrame, GuestStateFrame, GuestVisitor, GuestWatchFrame } from './frames.ts';
import type { Decoder, Encoder } from './fields.ts';
import {
  malformed,
  readBytes,
  readDeviceId,
  readFixed,
  readText,
  readUint,
  unencodable,
  writeBytes,
  writeDeviceId,
  writeFixed,
  writeText,
  writeUint,
} from './fields.ts';
import {
  GUEST_CODE_VERIFIER_BYTES,
  MAX_GUEST_KEY_BOX_BYTES,
  MAX_GUEST_VISITORS,
  MAX_ID_BYTES,
  MAX_LABEL_BYTES,
  PUBLIC_KEY_BYTES,
  SIGNATURE_BYTES,
} from './limits.ts';

function writeLinkId(e: Encoder, id: GuestLinkId, what: string): void {
  try {
    parseGuestLinkId(id);
  } catch (cause) {
    throw unencodable(what, 'not a valid id', cause);
  }
  writeText(e, id, MAX_ID_BYTES, what);
}

function readLinkId(d: Decoder, what: string): GuestLinkId {
  const at = d.pos;
  const text = readText(d, MAX_ID_BYTES, what);
  try {
    return parseGuestLinkId(text);
  } catch (cause) {
    throw malformed(what, at, 'not a valid id', cause);
  }
}

function writeKeyBox(e: Encoder, box: Uint8Array, what: string): void {
  if (!(box instanceof Uint8Array) || box.length > MAX_GUEST_KEY_BOX_BYTES) throw unencodable(what, `expected at most ${MAX_GUEST_KEY_BOX_BYTES} bytes`);
  writeBytes(e, box, what);
}

function readKeyBox(d: Decoder, what: string): Uint8Array {
  const at = d.pos;
  const box = readBytes(d, what);
  if (box.length > MAX_GUEST_KEY_BOX_BYTES) throw malformed(what, at, `${box.length} bytes, at most ${MAX_GUEST_KEY_BOX_BYTES}`);
  return box;
}

export function writeGuestLink(e: Encoder, f: GuestLinkFrame): void {
  writeUint(e, FrameType.GuestLink, 'GuestLink.type');
  writeUint(e, f.ref, 'GuestLink.ref');
  writeLinkId(e, f.link, 'GuestLink.link');
  writeFixed(e, f.capKey, PUBLIC_KEY_BYTES, 'GuestLink.capKey');
  writeFixed(e, f.codeVerifier, GUEST_CODE_VERIFIER_BYTES, 'GuestLink.codeVerifier');
  writeUint(e, f.expiresAt, 'GuestLink.expiresAt');
  writeUint(e, f.maxVisitors, 'GuestLink.maxVisitors');
  writeUint(e, f.visitorPerMinute, 'GuestLink.visitorPerMinute');
  writeUint(e, f.linkPerMinute, 'GuestLink.linkPerMinute');
  writeFixed(e, f.proof, SIGNATURE_BYTES, 'GuestLink.proof');
}

export function readGuestLink(d: Decoder): GuestLinkFrame {
  const ref = readUint(d, 'GuestLink.ref');
  const link = readLinkId(d, 'GuestLink.link');
  const capKey = readFixed(d, PUBLIC_KEY_BYTES, 'GuestLink.capKey');
  const codeVerifier = readFixed(d, GUEST_CODE_VERIFIER_BYTES, 'GuestLink.codeVerifier');
  const expiresAt = readUint(d, 'GuestLink.expiresAt');
  const maxVisitors = readUint(d, 'GuestLink.maxVisitors');
  const visitorPerMinute = readUint(d, 'GuestLink.visitorPerMinute');
  const linkPerMinute = readUint(d, 'GuestLink.linkPerMinute');
  const proof = readFixed(d, SIGNATURE_BYTES, 'GuestLink.proof');
  return { type: FrameType.GuestLink, ref, link, capKey, codeVerifier, expiresAt, maxVisitors, visitorPerMinute, linkPerMinute, proof };
}

export function writeGuestHello(e: Encoder, f: GuestHelloFrame): void {
  writeUint(e, FrameType.GuestHello, 'GuestHello.type');
  writeUint(e, f.version, 'GuestHello.version');
  writeLinkId(e, f.link, 'GuestHello.link');
  writeDeviceId(e, f.visitor, 'GuestHello.visitor');
  writeFixed(e, f.proof, SIGNATURE_BYTES, 'GuestHello.proof');
  writeText(e, f.code, MAX_LABEL_BYTES, 'GuestHello.code');
  writeKeyBox(e, f.keyBox, 'GuestHello.keyBox');
  writeText(e, f.client, MAX_LABEL_BYTES, 'GuestHello.client');
}

export function readGuestHello(d: Decoder): GuestHelloFrame {
  const version = readUint(d, 'GuestHello.version');
  const link = readLinkId(d, 'GuestHello.link');
  const visitor = readDeviceId(d, 'GuestHello.visitor');
  const proof = readFixed(d, SIGNATURE_BYTES, 'GuestHello.proof');
  const code = readText(d, MAX_LABEL_BYTES, 'GuestHello.code');
  const keyBox = readKeyBox(d, 'GuestHello.keyBox');
  const client = readText(d, MAX_LABEL_BYTES, 'GuestHello.client');
  return { type: FrameType.GuestHello, version, link, visitor, proof, code, keyBox, client };
}

export function writeGuestWatch(e: Encoder, f: GuestWatchFrame): void {
  writeUint(e, FrameType.GuestWatch, 'GuestWatch.type');
  writeUint(e, f.ref, 'GuestWatch.ref');
  writeLinkId(e, f.link, 'GuestWatch.link');
  writeFixed(e, f.proof, SIGNATURE_BYTES, 'GuestWatch.proof');
  writeFlag(e, f.answering, 'GuestWatch.answering');
}

export function readGuestWatch(d: Decoder): GuestWatchFrame {
  const ref = readUint(d, 'GuestWatch.ref');
  const link = readLinkId(d, 'GuestWatch.link');
  const proof = readFixed(d, SIGNATURE_BYTES, 'GuestWatch.proof');
  const answering = readFlag(d, 'GuestWatch.answering');
  return { type: FrameType.GuestWatch, ref, link, proof, answering };
}

export function writeGuestPresence(e: Encoder, f: GuestPresenceFrame): void {
  writeUint(e, FrameType.GuestPresence, 'GuestPresence.type');
  writeLinkId(e, f.link, 'GuestPresence.link');
  writeFlag(e, f.answering, 'GuestPresence.answering');
}

export function readGuestPresence(d: Decoder): GuestPresenceFrame {
  const link = readLinkId(d, 'GuestPresence.link');
  const answering = readFlag(d, 'GuestPresence.answering');
  return { type: FrameType.GuestPresence, link, answering };
}

/** A yes/no as one varuint, 0 or 1 (anything else is malformed). */
function writeFlag(e: Encoder, v: boolean, what: string): void {
  if (typeof v !== 'boolean') throw unencodable(what, 'expected a boolean');
  writeUint(e, v ? 1 : 0, what);
}

function readFlag(d: Decoder, what: string): boolean {
  const at = d.pos;
  const v = readUint(d, what);
  if (v > 1) throw malformed(what, at, `${v}, expected 0 or 1`);
  return v === 1;
}

export function writeGuestEnd(e: Encoder, f: GuestEndFrame): void {
  writeUint(e, FrameType.GuestEnd, 'GuestEnd.type');
  writeUint(e, f.ref, 'GuestEnd.ref');
  writeLinkId(e, f.link, 'GuestEnd.link');
  if (!(f.visitor instanceof Uint8Array) || (f.visitor.length !== 0 && f.visitor.length !== PUBLIC_KEY_BYTES)) {
    throw unencodable('GuestEnd.visitor', `expected 0 or ${PUBLIC_KEY_BYTES} bytes`);
  }
  writeBytes(e, f.visitor, 'GuestEnd.visitor');
  writeFixed(e, f.proof, SIGNATURE_BYTES, 'GuestEnd.proof');
}

export function readGuestEnd(d: Decoder): GuestEndFrame {
  const ref = readUint(d, 'GuestEnd.ref');
  const link = readLinkId(d, 'GuestEnd.link');
  const at = d.pos;
  const visitor = readBytes(d, 'GuestEnd.visitor');
  if (visitor.length !== 0 && visitor.length !== PUBLIC_KEY_BYTES) throw malformed('GuestEnd.visitor', at, `${visitor.length} bytes, expected 0 or ${PUBLIC_KEY_BYTES}`);
  const proof = readFixed(d, SIGNATURE_BYTES, 'GuestEnd.proof');
  return { type: FrameType.GuestEnd, ref, link, visitor, proof };
}

export function writeGuestState(e: Encoder, f: GuestStateFrame): void {
  writeUint(e, FrameType.GuestState, 'GuestState.type');
  writeUint(e, f.ref, 'GuestState.ref');
  writeLinkId(e, f.link, 'GuestState.link');
  writeUint(e, f.endedAt, 'GuestState.endedAt');
  const visitors: unknown = f.visitors;
  if (!Array.isArray(visitors) || visitors.length > MAX_GUEST_VISITORS) throw unencodable('GuestState.visitors', `expected at most ${MAX_GUEST_VISITORS}`);
  writeUint(e, visitors.length, 'GuestState.visitors');
  (visitors as GuestVisitor[]).forEach((v, i) => {
    writeFixed(e, v.key, PUBLIC_KEY_BYTES, `GuestState.visitors[${i}].key`);
    writeKeyBox(e, v.keyBox, `GuestState.visitors[${i}].keyBox`);
    writeUint(e, v.admittedAt, `GuestState.visitors[${i}].admittedAt`);
    writeUint(e, v.endedAt, `GuestState.visitors[${i}].endedAt`);
  });
}

export function readGuestState(d: Decoder): GuestStateFrame {
  const ref = readUint(d, 'GuestState.ref');
  const link = readLinkId(d, 'GuestState.link');
  const endedAt = readUint(d, 'GuestState.endedAt');
  const at = d.pos;
  const count = readUint(d, 'GuestState.visitors');
  // Each visitor takes at least 32 + 1 + 1 + 1 bytes: refuse a count the input cannot hold before looping.
  if (count > MAX_GUEST_VISITORS || count * (PUBLIC_KEY_BYTES + 3) > d.arr.length - d.pos) {
    throw malformed('GuestState.visitors', at, `${count} visitors do not fit (at most ${MAX_GUEST_VISITORS})`);
  }
  const visitors: GuestVisitor[] = [];
  for (let i = 0; i < count; i++) {
    const key = readFixed(d, PUBLIC_KEY_BYTES, `GuestState.visitors[${i}].key`);
    const keyBox = readKeyBox(d, `GuestState.visitors[${i}].keyBox`);
    const admittedAt = readUint(d, `GuestState.visitors[${i}].admittedAt`);
    const endedAt = readUint(d, `GuestState.visitors[${i}].endedAt`);
    visitors.push({ key, keyBox, admittedAt, endedAt });
  }
  return { type: FrameType.GuestState, ref, link, endedAt, visitors };
}
