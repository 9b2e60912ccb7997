/**
 * Targeted rejections: each rule of the strict decoder (and the matching
 * encoder check) shown with a minimal input, so a regression names the rule.
 */
import * as encoding from 'lib0/encoding';
import { describe, expect, it } from 'vitest';
import { isTendrilError, TendrilError } from '../errors.ts';
import type { ErrorCode } from '../errors.ts';
import type { DeviceId, DocId, WorkspaceId } from '../ids.ts';
import { decodeFrame, DEFAULT_MAX_FRAME_BYTES, encodeFrame } from './codec.ts';
import { BlobKind, CapMode, FrameType } from './frames.ts';
import type { Frame } from './frames.ts';

const DOC = 'Ab12cdEf34ghIj56klMn78' as DocId;
const WS = 'Zy98xwVu76tsRq54poNm32' as WorkspaceId;
const DEVICE = 'A'.repeat(43) as DeviceId;

function bytesOf(build: (e: encoding.Encoder) => void): Uint8Array {
  const e = encoding.createEncoder();
  build(e);
  return encoding.toUint8Array(e);
}

function fails(run: () => unknown, code: ErrorCode, message?: RegExp): TendrilError {
  try {
    run();
  } catch (err) {
    if (!isTendrilError(err)) throw err;
    expect(err.code).toBe(code);
    if (message) expect(err.message).toMatch(message);
    return err;
  }
  throw new Error('expected a TendrilError');
}

const hello = (over: Partial<Extract<Frame, { type: 2 }>> = {}): Frame => ({
  type: FrameType.Hello, version: 1, workspace: WS, device: DEVICE, proof: new Uint8Array(64),
  client: 'tendril-cli/0.1', accessCode: '', ...over,
});

describe('decodeFrame limits', () => {
  it('refuses input over maxBytes before parsing it', () => {
    fails(() => decodeFrame(new Uint8Array(DEFAULT_MAX_FRAME_BYTES + 1)), 'E_FRAME_TOO_LARGE', /1049601 bytes/);
    const entry = encodeFrame({ type: FrameType.Entry, doc: DOC, seq: 1, envelope: new Uint8Array(100) });
    fails(() => decodeFrame(entry, { maxBytes: entry.length - 1 }), 'E_FRAME_TOO_LARGE');
    expect(decodeFrame(entry, { maxBytes: entry.length }).type).toBe(FrameType.Entry);
  });

  it('accepts a frame carrying a full 1 MiB envelope under the default limit', () => {
    const big = encodeFrame({ type: FrameType.SnapshotPut, doc: DOC, ref: 2 ** 40, seq: 2 ** 40, envelope: new Uint8Array(1 << 20) });
    expect(big.length).toBeLessThanOrEqual(DEFAULT_MAX_FRAME_BYTES);
    expect(decodeFrame(big).type).toBe(FrameType.SnapshotPut);
  });

  it('rejects trailing bytes', () => {
    const ack = encodeFrame({ type: FrameType.Ack, doc: DOC, ref: 1, seq: 2 });
    fails(() => decodeFrame(Uint8Array.from([...ack, 0])), 'E_FRAME_MALFORMED', /1 trailing bytes/);
  });

  it('rejects empty input and non-Uint8Array input', () => {
    fails(() => decodeFrame(new Uint8Array(0)), 'E_FRAME_MALFORMED', /empty/);
    fails(() => decodeFrame([7] as unknown as Uint8Array), 'E_FRAME_MALFORMED');
  });

  it('rejects unknown type tags with E_FRAME_UNKNOWN', () => {
    for (const t of [0, 42, 127, 2 ** 40]) {
      fails(() => decodeFrame(bytesOf((e) => encoding.writeVarUint(e, t))), 'E_FRAME_UNKNOWN', new RegExp(`type ${t}`));
    }
    fails(() => encodeFrame({ type: 99 } as unknown as Frame), 'E_FRAME_UNKNOWN');
  });
});

describe('decodeFrame field rules', () => {
  const unsubscribe = (text: string): Uint8Array => bytesOf((e) => {
    encoding.writeVarUint(e, FrameType.Unsubscribe);
    encoding.writeVarString(e, text);
  });

  it('bounds varUints to 53 bits and to minimal encodings', () => {
    const ack = (tail: number[]): Uint8Array => Uint8Array.from([...encodeFrame({ type: FrameType.Ack, doc: DOC, ref: 1, seq: 0 }).subarray(0, -1), ...tail]);
    expect(decodeFrame(ack([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x0f]))).toMatchObject({ seq: Number.MAX_SAFE_INTEGER });
    fails(() => decodeFrame(ack([0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x10])), 'E_FRAME_MALFORMED', /exceeds 2\^53/);
    fails(() => decodeFrame(ack([0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01])), 'E_FRAME_MALFORMED', /longer than 8 bytes/);
    fails(() => decodeFrame(ack([0x81, 0x00])), 'E_FRAME_MALFORMED', /overlong/);
    fails(() => decodeFrame(ack([0x81])), 'E_FRAME_MALFORMED', /Ack.seq at byte 25: truncated/);
  });

  it('checks a length prefix against the remaining bytes before reading', () => {
    const absurd = bytesOf((e) => {
      encoding.writeVarUint(e, FrameType.Entry);
      encoding.writeVarString(e, DOC);
      encoding.writeVarUint(e, 1);
      encoding.writeVarUint(e, 2 ** 50);
    });
    fails(() => decodeFrame(absurd), 'E_FRAME_MALFORMED', /Entry.envelope at byte 25: needs 1125899906842624 bytes, 0 remain/);
    fails(() => decodeFrame(unsubscribe('x'.repeat(65))), 'E_FRAME_MALFORMED', /exceeds the limit of 64/);
  });

  it('validates ids with ids.ts and keeps the cause', () => {
    const err = fails(() => decodeFrame(unsubscribe('not-a-doc-id')), 'E_FRAME_MALFORMED', /Unsubscribe.doc at byte 1: not a valid id/);
    expect(isTendrilError(err.cause, 'E_BAD_ID')).toBe(true);
    fails(() => encodeFrame({ type: FrameType.Unsubscribe, doc: 'short' as DocId }), 'E_FRAME_MALFORMED', /cannot encode Unsubscribe.doc/);
  });

  it('rejects invalid UTF-8 and refuses to encode lone surrogates', () => {
    const bad = bytesOf((e) => {
      encoding.writeVarUint(e, FrameType.BlobTake);
      encoding.writeVarUint(e, 1);
      encoding.writeVarUint8Array(e, Uint8Array.from([0xc0, 0x80]));
    });
    fails(() => decodeFrame(bad), 'E_FRAME_MALFORMED', /BlobTake.key at byte 2: invalid UTF-8/);
    fails(() => encodeFrame({ type: FrameType.BlobTake, ref: 1, key: 'a\ud800' }), 'E_FRAME_MALFORMED', /lone surrogate/);
  });

  it('keeps a leading byte order mark and NUL characters in text', () => {
    const frame: Frame = { type: FrameType.BlobTake, ref: 1, key: '\ufeffk\u0000' };
    expect(decodeFrame(encodeFrame(frame))).toStrictEqual(frame);
  });

  it('accepts only 0 and 1 for booleans and presence bytes', () => {
    const blob = encodeFrame({ type: FrameType.Blob, ref: 1, found: true, data: new Uint8Array(0) });
    blob[2] = 2;
    fails(() => decodeFrame(blob), 'E_FRAME_MALFORMED', /Blob.found at byte 2: byte 2 is neither 0 nor 1/);
    const h = encodeFrame(hello());
    h[h.length - 1] = 2;
    fails(() => decodeFrame(h), 'E_FRAME_MALFORMED', /Hello.register/);
  });

  it('checks fixed sizes of nonces, keys and signatures', () => {
    fails(() => encodeFrame({ type: FrameType.Challenge, version: 1, nonce: new Uint8Array(31) }), 'E_FRAME_MALFORMED', /expected 32 bytes, got 31/);
    fails(() => encodeFrame(hello({ proof: new Uint8Array(65) })), 'E_FRAME_MALFORMED', /Hello.proof/);
    fails(() => encodeFrame(hello({ register: { admins: [new Uint8Array(33)] } })), 'E_FRAME_MALFORMED', /admins\[0\]/);
    const challenge = encodeFrame({ type: FrameType.Challenge, version: 1, nonce: new Uint8Array(32) });
    fails(() => decodeFrame(challenge.subarray(0, -1)), 'E_FRAME_MALFORMED', /Challenge.nonce at byte 2: needs 32 bytes, 31 remain/);
  });

  it('bounds the admin list before allocating it', () => {
    fails(() => encodeFrame(hello({ register: { admins: [] } })), 'E_FRAME_MALFORMED', /0 keys/);
    fails(() => encodeFrame(hello({ register: { admins: Array.from({ length: 65 }, () => new Uint8Array(32)) } })), 'E_FRAME_MALFORMED', /65 keys/);
    const base = encodeFrame(hello({ register: { admins: [new Uint8Array(32)] } }));
    const withCount = (n: number): Uint8Array => bytesOf((e) => {
      encoding.writeUint8Array(e, base.subarray(0, base.length - 33));
      encoding.writeVarUint(e, n);
      encoding.writeUint8Array(e, new Uint8Array(32));
    });
    expect(decodeFrame(withCount(1))).toStrictEqual(hello({ register: { admins: [new Uint8Array(32)] } }));
    fails(() => decodeFrame(withCount(2)), 'E_FRAME_MALFORMED', /2 keys need 64 bytes, 32 remain/);
    fails(() => decodeFrame(withCount(2 ** 50)), 'E_FRAME_MALFORMED', /expected 1 to 64/);
  });

  it('accepts only capability modes 0 and 1', () => {
    const sub = encodeFrame({ type: FrameType.Subscribed, doc: DOC, mode: CapMode.Write, head: 0, snapshotSeq: 0 });
    sub[24] = 2;
    fails(() => decodeFrame(sub), 'E_FRAME_MALFORMED', /Subscribed.mode at byte 24: 2 is not a capability mode/);
    fails(() => encodeFrame({ type: FrameType.Subscribed, doc: DOC, mode: 2 as CapMode, head: 0, snapshotSeq: 0 }), 'E_FRAME_MALFORMED');
  });

  it('requires E_[A-Z_]+ error codes and "" or a doc id in error frames', () => {
    const error = (code: string, doc = ''): Frame => ({ type: FrameType.Error, code, message: 'm', doc, ref: 0, retryAfterMs: 0, fatal: false });
    expect(decodeFrame(encodeFrame(error('E_FUTURE_CODE', DOC)))).toMatchObject({ code: 'E_FUTURE_CODE', doc: DOC });
    for (const code of ['', 'E_', 'e_forbidden', 'E_NOT-OK', `E_${'A'.repeat(63)}`]) {
      fails(() => encodeFrame(error(code)), 'E_FRAME_MALFORMED', /Error.code/);
    }
    fails(() => encodeFrame(error('E_FORBIDDEN', 'nope')), 'E_FRAME_MALFORMED', /Error.doc/);
    const raw = bytesOf((e) => {
      encoding.writeVarUint(e, FrameType.Error);
      encoding.writeVarString(e, 'EVIL');
    });
    fails(() => decodeFrame(raw), 'E_FRAME_MALFORMED', /Error.code at byte 1/);
  });

  it('refuses to encode numbers that are not safe non-negative integers', () => {
    for (const bad of [-1, 1.5, NaN, Infinity, 2 ** 53]) {
      fails(() => encodeFrame({ type: FrameType.CaughtUp, doc: DOC, head: bad }), 'E_FRAME_MALFORMED', /CaughtUp.head/);
    }
  });

  it('omits absent optional members instead of decoding them as undefined', () => {
    const decoded = decodeFrame(encodeFrame(hello()));
    expect('register' in decoded).toBe(false);
  });
});

describe('stored-blob frames', () => {
  const id = new Uint8Array(32).fill(7);

  it('accepts only the known blob kinds, both ways', () => {
    const list = (kind: number): Frame => ({ type: FrameType.BlobList, ref: 1, kind: kind as BlobKind, after: new Uint8Array(0), limit: 10 });
    expect(decodeFrame(encodeFrame(list(BlobKind.BackupManifest)))).toMatchObject({ kind: BlobKind.BackupManifest });
    fails(() => encodeFrame(list(4)), 'E_FRAME_MALFORMED', /BlobList.kind/);
    const raw = encodeFrame(list(BlobKind.Attachment));
    raw[2] = 9;
    fails(() => decodeFrame(raw), 'E_FRAME_MALFORMED', /BlobList.kind at byte 2: 9 is not a blob kind/);
  });

  it('takes 32-byte ids only, and a list cursor of 0 or 32 bytes', () => {
    fails(() => encodeFrame({ type: FrameType.BlobRead, ref: 1, id: new Uint8Array(31), offset: 0, length: 1 }), 'E_FRAME_MALFORMED', /BlobRead.id/);
    fails(() => encodeFrame({ type: FrameType.BlobList, ref: 1, kind: BlobKind.Attachment, after: new Uint8Array(5), limit: 1 }), 'E_FRAME_MALFORMED', /BlobList.after/);
    const raw = bytesOf((e) => {
      encoding.writeVarUint(e, FrameType.BlobList);
      encoding.writeVarUint(e, 1);
      encoding.writeVarUint(e, BlobKind.Attachment);
      encoding.writeVarUint8Array(e, new Uint8Array(5));
      encoding.writeVarUint(e, 1);
    });
    fails(() => decodeFrame(raw), 'E_FRAME_MALFORMED', /BlobList.after at byte 3: 5 bytes, expected 0 or 32/);
  });

  it('bounds BlobHas ids before allocating them', () => {
    fails(() => encodeFrame({ type: FrameType.BlobHas, ref: 1, ids: Array.from({ length: 1025 }, () => id) }), 'E_FRAME_MALFORMED', /BlobHas.ids/);
    const huge = bytesOf((e) => {
      encoding.writeVarUint(e, FrameType.BlobHas);
      encoding.writeVarUint(e, 1);
      encoding.writeVarUint(e, 1000);
    });
    fails(() => decodeFrame(huge), 'E_FRAME_MALFORMED', /BlobHas.ids at byte 2: 1000 items do not fit/);
  });
});

