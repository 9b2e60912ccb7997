/**
 * Random valid frames from a seeded PRNG, for property tests of the codec and
 * of anything that speaks it. Values lean on the edges: varUint byte-length
 * boundaries, empty and limit-sized fields, multi-byte and astral text.
 */
import { toBase64Url } from '../ids.ts';
import type { DeviceId, DocId, GuestLinkId, WorkspaceId } from '../ids.ts';
import type { Prng } from '../testkit/prng.ts';
import { BlobKind, CapMode, FrameType } from './frames.ts';
import type { Frame } from './frames.ts';
import {
  BLOB_ID_BYTES,
  GUEST_CODE_VERIFIER_BYTES,
  MAX_ADMINS,
  MAX_GUEST_KEY_BOX_BYTES,
  MAX_LABEL_BYTES,
  MAX_MESSAGE_BYTES,
  NONCE_BYTES,
  PUBLIC_KEY_BYTES,
  SIGNATURE_BYTES,
} from './limits.ts';
import { ERRORS } from '../errors.ts';

const EDGES = [0, 1, 127, 128, 16_383, 16_384, 2 ** 31 - 1, 2 ** 31, 2 ** 32 - 1, 2 ** 32, 2 ** 49, Number.MAX_SAFE_INTEGER];
/** ASCII, 2-, 3- and 4-byte UTF-8 code points, a BOM and a NUL. */
const CODE_POINTS = [0x41, 0x7a, 0x20, 0x2f, 0x00, 0xe9, 0x3b1, 0x4e2d, 0x2603, 0xfeff, 0x1f600, 0x10ffff];

export interface ArbitraryOptions {
  /** Largest random byte field (envelopes, payloads, blobs). Default 300. */
  maxBytes?: number;
}

export function arbitraryUint(p: Prng): number {
  switch (p.int(0, 3)) {
    case 0: return p.pick(EDGES);
    case 1: return p.int(0, 200);
    case 2: return p.int(0, 2 ** 32);
    default: return p.int(0, 2 ** 21 - 1) * 2 ** 32 + p.int(0, 2 ** 32 - 1);
  }
}

/** Text of at most `maxBytes` UTF-8 bytes, sometimes empty, sometimes exactly at the limit. */
export function arbitraryText(p: Prng, maxBytes: number): string {
  if (p.bool(0.1)) return '';
  if (p.bool(0.1)) return 'x'.repeat(maxBytes);
  let out = '';
  let size = 0;
  const target = p.int(1, Math.min(maxBytes, 40));
  for (;;) {
    const cp = p.bool(0.6) ? p.int(0x20, 0x7e) : p.pick(CODE_POINTS);
    const n = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
    if (size + n > target) return out;
    out += String.fromCodePoint(cp);
    size += n;
  }
}

const bytes = (p: Prng, max: number): Uint8Array => p.bytes(p.bool(0.1) ? 0 : p.int(0, max));
export const arbitraryDocId = (p: Prng): DocId => toBase64Url(p.bytes(16)) as DocId;
export const arbitraryWorkspaceId = (p: Prng): WorkspaceId => toBase64Url(p.bytes(16)) as WorkspaceId;
export const arbitraryGuestLinkId = (p: Prng): GuestLinkId => toBase64Url(p.bytes(16)) as GuestLinkId;
export const arbitraryDeviceId = (p: Prng): DeviceId => toBase64Url(p.bytes(32)) as DeviceId;
const mode = (p: Prng): CapMode => p.pick([CapMode.Read, CapMode.Write]);
const blobKind = (p: Prng): BlobKind => p.pick([BlobKind.Attachment, BlobKind.BackupChunk, BlobKind.BackupManifest]);

const ERROR_CODES = Object.keys(ERRORS);

/** A random valid frame of the given type (or of a random type). */
export function arbitraryFrame(p: Prng, type?: Frame['type'], opts: ArbitraryOptions = {}): Frame {
  const max = opts.maxBytes ?? 300;
  const t = type ?? (p.pick(Object.values(FrameType)) as Frame['type']);
  const u = (): number => arbitraryUint(p);
  switch (t) {
    case FrameType.Challenge:
      return { type: t, version: u(), nonce: p.bytes(NONCE_BYTES) };
    case FrameType.Hello: {
      const f: Frame = {
        type: t, version: u(), workspace: arbitraryWorkspaceId(p), device: arbitraryDeviceId(p),
        proof: p.bytes(SIGNATURE_BYTES), client: arbitraryText(p, MAX_LABEL_BYTES), accessCode: arbitraryText(p, MAX_LABEL_BYTES),
      };
      if (p.bool()) {
        const n = p.bool(0.1) ? MAX_ADMINS : p.int(1, 4);
        f.register = { admins: Array.from({ length: n }, () => p.bytes(PUBLIC_KEY_BYTES)) };
      }
      return f;
    }
    case FrameType.Welcome:
      return { type: t, version: u(), serverTime: u(), maxFrameBytes: u(), address: p.bool() ? '203.0.113.7' : p.bool() ? '::ffff:198.51.100.2' : '' };
    case FrameType.Subscribe: {
      const f: Frame = { type: t, doc: arbitraryDocId(p), cursor: u(), mode: mode(p), proof: p.bytes(SIGNATURE_BYTES) };
      if (p.bool()) f.create = { writeKey: p.bytes(PUBLIC_KEY_BYTES), readKey: p.bytes(PUBLIC_KEY_BYTES) };
      return f;
    }
    case FrameType.Subscribed:
      return { type: t, doc: arbitraryDocId(p), mode: mode(p), head: u(), snapshotSeq: u() };
    case FrameType.Envelope:
      return { type: t, doc: arbitraryDocId(p), ref: u(), envelope: bytes(p, max) };
    case FrameType.Ack:
      return { type: t, doc: arbitraryDocId(p), ref: u(), seq: u() };
    case FrameType.Entry:
      return { type: t, doc: arbitraryDocId(p), seq: u(), envelope: bytes(p, max) };
    case FrameType.CaughtUp:
      return { type: t, doc: arbitraryDocId(p), head: u() };
    case FrameType.SnapshotPut:
      return { type: t, doc: arbitraryDocId(p), ref: u(), seq: u(), envelope: bytes(p, max) };
    case FrameType.Snapshot:
      return { type: t, doc: arbitraryDocId(p), seq: u(), envelope: bytes(p, max) };
    case FrameType.SnapshotStored:
      return { type: t, doc: arbitraryDocId(p), seq: u() };
    case FrameType.Presence:
      return { type: t, doc: arbitraryDocId(p), from: arbitraryDeviceId(p), payload: bytes(p, max) };
    case FrameType.Stream:
      return { type: t, doc: arbitraryDocId(p), from: arbitraryDeviceId(p), to: p.bool() ? '' : arbitraryDeviceId(p), payload: bytes(p, max) };
    case FrameType.Error:
      return {
        type: t, code: p.bool(0.8) ? p.pick(ERROR_CODES) : `E_${p.string(p.int(1, 62), 'ABCDEFGHIJKLMNOPQRSTUVWXYZ_')}`,
        message: arbitraryText(p, MAX_MESSAGE_BYTES), doc: p.bool() ? '' : arbitraryDocId(p),
        ref: u(), retryAfterMs: u(), fatal: p.bool(),
      };
    case FrameType.Unsubscribe:
      return { type: t, doc: arbitraryDocId(p) };
    case FrameType.Revoke:
      return {
        type: t, workspace: arbitraryWorkspaceId(p), device: arbitraryDeviceId(p), at: u(),
        admin: arbitraryDeviceId(p), signature: p.bytes(SIGNATURE_BYTES),
      };
    case FrameType.Enrol:
      return { type: t, workspace: arbitraryWorkspaceId(p), device: p.bytes(PUBLIC_KEY_BYTES), signer: arbitraryDeviceId(p), token: bytes(p, 300), signature: p.bytes(SIGNATURE_BYTES) };
    case FrameType.AddAdmin:
      return { type: t, workspace: arbitraryWorkspaceId(p), key: p.bytes(PUBLIC_KEY_BYTES), admin: arbitraryDeviceId(p), signature: p.bytes(SIGNATURE_BYTES) };
    case FrameType.SetCaps:
      return {
        type: t, doc: arbitraryDocId(p), ref: u(), writeKey: p.bytes(PUBLIC_KEY_BYTES),
        readKey: p.bytes(PUBLIC_KEY_BYTES), readers: Array.from({ length: p.int(0, 3) }, () => p.bytes(PUBLIC_KEY_BYTES)),
        admin: arbitraryDeviceId(p), proof: p.bytes(SIGNATURE_BYTES),
      };
    case FrameType.BlobPut:
      return { type: t, ref: u(), key: arbitraryText(p, MAX_LABEL_BYTES) || 'k', ttlSeconds: u(), data: bytes(p, max) };
    case FrameType.BlobTake:
      return { type: t, ref: u(), key: arbitraryText(p, MAX_LABEL_BYTES) || 'k' };
    case FrameType.Blob:
      return { type: t, ref: u(), found: p.bool(), data: bytes(p, max) };
    case FrameType.GuestLink:
      return {
        type: t, ref: u(), link: arbitraryGuestLinkId(p), capKey: p.bytes(PUBLIC_KEY_BYTES), codeVerifier: p.bytes(GUEST_CODE_VERIFIER_BYTES),
        expiresAt: u(), maxVisitors: u(), visitorPerMinute: u(), linkPerMinute: u(), proof: p.bytes(SIGNATURE_BYTES),
      };
    case FrameType.GuestHello:
      return {
        type: t, version: u(), link: arbitraryGuestLinkId(p), visitor: arbitraryDeviceId(p), proof: p.bytes(SIGNATURE_BYTES),
        code: arbitraryText(p, MAX_LABEL_BYTES), keyBox: bytes(p, MAX_GUEST_KEY_BOX_BYTES), client: arbitraryText(p, MAX_LABEL_BYTES),
      };
    case FrameType.GuestWatch:
      return { type: t, ref: u(), link: arbitraryGuestLinkId(p), proof: p.bytes(SIGNATURE_BYTES), answering: p.bool() };
    case FrameType.GuestEnd:
      return { type: t, ref: u(), link: arbitraryGuestLinkId(p), visitor: p.bool() ? new Uint8Array(0) : p.bytes(PUBLIC_KEY_BYTES), proof: p.bytes(SIGNATURE_BYTES) };
    case FrameType.GuestState:
      return {
        type: t, ref: u(), link: arbitraryGuestLinkId(p), endedAt: u(),
        visitors: Array.from({ length: p.int(0, 3) }, () => ({ key: p.bytes(PUBLIC_KEY_BYTES), keyBox: bytes(p, MAX_GUEST_KEY_BOX_BYTES), admittedAt: u(), endedAt: u() })),
      };
    case FrameType.BlobWrite:
      return { type: t, ref: u(), id: p.bytes(BLOB_ID_BYTES), kind: blobKind(p), size: u(), offset: u(), data: bytes(p, max) };
    case FrameType.BlobWritten:
      return { type: t, ref: u(), id: p.bytes(BLOB_ID_BYTES), received: u(), stored: p.bool() };
    case FrameType.BlobRead:
      return { type: t, ref: u(), id: p.bytes(BLOB_ID_BYTES), offset: u(), length: u() };
    case FrameType.BlobData:
      return { type: t, ref: u(), id: p.bytes(BLOB_ID_BYTES), kind: blobKind(p), size: u(), storedAt: u(), offset: u(), data: bytes(p, max) };
    case FrameType.BlobHas:
      return { type: t, ref: u(), ids: Array.from({ length: p.int(0, 3) }, () => p.bytes(BLOB_ID_BYTES)) };
    case FrameType.BlobHave:
      return { type: t, ref: u(), present: Array.from({ length: p.int(0, 5) }, () => p.bool()) };
    case FrameType.BlobList:
      return { type: t, ref: u(), kind: blobKind(p), after: p.bool() ? new Uint8Array(0) : p.bytes(BLOB_ID_BYTES), limit: u() };
    case FrameType.BlobListing:
      return { type: t, ref: u(), items: Array.from({ length: p.int(0, 3) }, () => ({ id: p.bytes(BLOB_ID_BYTES), size: u(), storedAt: u() })), more: p.bool() };
    case FrameType.BlobDelete:
      return { type: t, ref: u(), id: p.bytes(BLOB_ID_BYTES) };
    case FrameType.BlobDeleted:
      return { type: t, ref: u(), id: p.bytes(BLOB_ID_BYTES), existed: p.bool() };
    case FrameType.GuestPresence:
      return { type: t, link: arbitraryGuestLinkId(p), answering: p.bool() };
    case FrameType.Locate:
      return { type: t, version: u(), key: p.bytes(PUBLIC_KEY_BYTES), proof: p.bytes(SIGNATURE_BYTES) };
    case FrameType.Located:
      return { type: t, workspaces: Array.from({ length: p.int(0, 3) }, () => arbitraryWorkspaceId(p)) };
  }
}
