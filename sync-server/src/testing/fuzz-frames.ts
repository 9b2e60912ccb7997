/**
 * Hostile input for the relay fuzz test, three kinds: random byte strings
 * (often with a valid frame tag in front); valid frames of every type mutated
 * at the byte level (flips, truncation, extension, varUint poisoning,
 * splices); and frames that still decode but carry garbage in their fields
 * (mutated envelopes, random proofs and keys, random ids and sizes, unknown
 * type tags). Byte-level damage ends the connection; field-level garbage
 * reaches the handlers, so both the decoder and the handlers are exercised.
 */
import { newDocId, newWorkspaceId, type DocId, type WorkspaceId } from '@tendril/crdt-schema/ids';
import { CapMode, encodeFrame, FrameType, type Frame } from '@tendril/crdt-schema/wire';
import { makeEnvelope, snapshotEnvelope } from './envelopes.ts';
import type { TestKey } from './keys.ts';
import type { Rng } from './prng.ts';

export interface FuzzContext {
  readonly device: TestKey;
  readonly workspace: WorkspaceId;
  readonly doc: DocId;
}

/** One valid frame of each client and relay frame type, for mutation. */
export function templates(ctx: FuzzContext, r: Rng): Uint8Array[] {
  const { device, workspace, doc } = ctx;
  const sig = (): Uint8Array => r.bytes(64);
  const key = (): Uint8Array => r.bytes(32);
  const frames: Frame[] = [
    { type: FrameType.Hello, version: 1, workspace, device: device.id, proof: sig(), client: 'fuzz', accessCode: '', register: { admins: [key()] } },
    { type: FrameType.Subscribe, doc, cursor: r.int(0, 50), mode: CapMode.Write, proof: sig(), create: { writeKey: key(), readKey: key() } },
    { type: FrameType.Envelope, doc, ref: r.int(1, 1e6), envelope: makeEnvelope({ doc, author: device, counter: r.int(1, 1e6), size: r.int(16, 300) }) },
    { type: FrameType.SnapshotPut, doc, ref: 0, seq: r.int(0, 20), envelope: snapshotEnvelope({ doc, author: device, counter: r.int(1, 99) }) },
    { type: FrameType.Presence, doc, from: device.id, payload: r.bytes(r.int(0, 100)) },
    { type: FrameType.Stream, doc, from: device.id, to: '', payload: r.bytes(r.int(0, 100)) },
    { type: FrameType.Unsubscribe, doc: newDocId() },
    { type: FrameType.Revoke, workspace, device: device.id, at: r.int(0, 2 ** 40), admin: device.id, signature: sig() },
    { type: FrameType.SetCaps, doc, ref: 1, writeKey: key(), readKey: key(), readers: [key()], admin: device.id, proof: sig() },
    { type: FrameType.Enrol, workspace, device: key(), signer: device.id, token: r.bytes(r.int(0, 200)), signature: sig() },
    { type: FrameType.BlobPut, ref: 2, key: `k${r.int(0, 20)}`, ttlSeconds: r.int(0, 100), data: r.bytes(r.int(0, 64)) },
    { type: FrameType.BlobTake, ref: 3, key: `k${r.int(0, 20)}` },
    { type: FrameType.Error, code: 'E_BAD_INPUT', message: 'fuzz', doc: '', ref: 0, retryAfterMs: 0, fatal: false },
    { type: FrameType.Ack, doc, ref: 1, seq: 2 },
    { type: FrameType.Welcome, version: 1, serverTime: 1, maxFrameBytes: 1, address: '' },
    { type: FrameType.Hello, version: 1, workspace: newWorkspaceId(), device: device.id, proof: sig(), client: '', accessCode: 'x' },
  ];
  return frames.map(encodeFrame);
}

function mutate(bytes: Uint8Array, r: Rng): Uint8Array {
  const out = bytes.slice();
  switch (r.int(0, 6)) {
    case 0: // flip 1..4 bytes
      for (let n = r.int(1, 4); n > 0 && out.length > 0; n--) out[r.int(0, out.length - 1)]! ^= 1 << r.int(0, 7);
      return out;
    case 1: // truncate
      return out.subarray(0, r.int(0, Math.max(0, out.length - 1)));
    case 2: // extend with garbage
      return concat(out, r.bytes(r.int(1, 40)));
    case 3: // poison a byte as a varUint continuation or a huge length
      if (out.length > 1) out[r.int(1, out.length - 1)] = r.int(0, 1) ? 0xff : 0x80;
      return out;
    case 4: // replace a random byte with a random value
      if (out.length > 0) out[r.int(0, out.length - 1)] = r.int(0, 255);
      return out;
    case 5: // splice a slice of itself somewhere else
      return concat(out.subarray(0, r.int(0, out.length)), out.subarray(r.int(0, out.length)));
    default: // change the frame type tag
      if (out.length > 0) out[0] = r.int(0, 25);
      return out;
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

/** A frame that decodes but whose fields are garbage or hostile. */
function garbageFields(ctx: FuzzContext, pool: readonly Uint8Array[], r: Rng): Uint8Array {
  const { doc, device, workspace } = ctx;
  const envelope = (): Uint8Array => (r.next() < 0.5 ? r.bytes(r.int(0, 300)) : mutate(makeEnvelope({ doc, author: device, counter: r.int(1, 1e6) }), r));
  const anyDoc = (): DocId => (r.next() < 0.7 ? doc : newDocId());
  const frames: Array<() => Frame> = [
    () => ({ type: FrameType.Envelope, doc: anyDoc(), ref: r.int(0, 2 ** 40), envelope: envelope() }),
    () => ({ type: FrameType.SnapshotPut, doc: anyDoc(), ref: r.int(0, 9), seq: r.int(0, 2 ** 40), envelope: envelope() }),
    () => ({ type: FrameType.Subscribe, doc: anyDoc(), cursor: r.int(0, 2 ** 50), mode: r.next() < 0.5 ? CapMode.Read : CapMode.Write, proof: r.bytes(64) }),
    () => ({ type: FrameType.Presence, doc: anyDoc(), from: device.id, payload: r.bytes(r.int(0, 20_000)) }),
    () => ({ type: FrameType.Stream, doc: anyDoc(), from: device.id, to: r.next() < 0.5 ? '' : device.id, payload: r.bytes(r.int(0, 2000)) }),
    () => ({ type: FrameType.SetCaps, doc: anyDoc(), ref: r.int(0, 9), writeKey: r.bytes(32), readKey: r.bytes(32), readers: [r.bytes(32)], admin: device.id, proof: r.bytes(64) }),
    () => ({ type: FrameType.Revoke, workspace, device: device.id, at: r.int(0, 2 ** 50), admin: device.id, signature: r.bytes(64) }),
    () => ({ type: FrameType.Enrol, workspace, device: r.bytes(32), signer: device.id, token: r.bytes(r.int(0, 300)), signature: r.bytes(64) }),
    () => ({ type: FrameType.BlobPut, ref: r.int(0, 9), key: `fuzz-${r.int(0, 1e9)}`, ttlSeconds: r.int(0, 2 ** 40), data: r.bytes(r.int(0, 100_000)) }),
    () => ({ type: FrameType.BlobTake, ref: r.int(0, 9), key: `fuzz-${r.int(0, 1e9)}` }),
    () => ({ type: FrameType.Unsubscribe, doc: anyDoc() }),
    () => ({ type: FrameType.Entry, doc: anyDoc(), seq: r.int(0, 99), envelope: envelope() }),
  ];
  if (r.next() < 0.1) return concat(new Uint8Array([r.int(20, 127)]), r.bytes(r.int(0, 50))); // unknown type tag
  if (r.next() < 0.05) return pool[r.int(0, pool.length - 1)]!; // an intact frame, out of place
  return encodeFrame(frames[r.int(0, frames.length - 1)]!());
}

export interface FuzzMix {
  /** Share of random byte strings. */
  random: number;
  /** Share of byte-level mutations of valid frames. */
  mutated: number;
}

/** One fuzz frame; the remainder of the mix after `random` and `mutated` is field-level garbage. */
export function fuzzFrame(ctx: FuzzContext, pool: readonly Uint8Array[], r: Rng, mix: FuzzMix): Uint8Array {
  const roll = r.next();
  if (roll < mix.random) {
    const bytes = r.bytes(r.int(0, 200));
    if (bytes.length > 0 && r.next() < 0.5) bytes[0] = r.int(1, 19);
    return bytes;
  }
  if (roll < mix.random + mix.mutated) {
    let out = pool[r.int(0, pool.length - 1)]!;
    for (let n = r.int(1, 3); n > 0; n--) out = mutate(out, r);
    return out;
  }
  return garbageFields(ctx, pool, r);
}
