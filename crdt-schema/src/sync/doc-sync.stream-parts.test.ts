/**
 * DocSync.sendStream seals a payload (or its parts) straight into the Stream frame on a link that
 * takes encoded frames: the frame is encodeFrame's layout, it opens to the joined parts on the
 * other side, and the receiver refuses it under another kind, sender or document as before. A link
 * that only takes frames gets the same frame as an object.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { loadCrypto } from '../crypto/load.ts';
import { generateDeviceIdentity } from '../crypto/keys.ts';
import { createCounterTracker } from '../envelope/index.ts';
import { newDocId, newWorkspaceId, type DeviceId } from '../ids.ts';
import { Scope } from '../keyring/scopes.ts';
import { generateWorkspaceKeys } from '../keyring/workspace-keys.ts';
import { decodeFrame, encodeFrame } from '../wire/codec.ts';
import { CapMode, FrameType, type Frame, type StreamFrame } from '../wire/frames.ts';
import { createDocCipher } from '../workspace/cipher.ts';
import type { MemberRecord } from '../workspace/directory.ts';
import { EPHEMERAL_OVERHEAD } from './doc-cipher.ts';
import { MemoryDocStore } from './doc-store.ts';
import { DocSync } from './doc-sync.ts';

const crypto = await loadCrypto();

async function setup(encoded: boolean) {
  const keys = generateWorkspaceKeys(crypto, newWorkspaceId());
  const doc = newDocId();
  const members = new Map<DeviceId, MemberRecord>();
  const cipherFor = (d = doc) => {
    const identity = generateDeviceIdentity(crypto);
    members.set(identity.deviceId, { role: 'device' });
    return createDocCipher({ crypto, identity, doc: d, scope: Scope.Terminals, keys: () => keys.get(Scope.Terminals)!, directory: { member: (id) => members.get(id) }, localKey: crypto.randomBytes(32) });
  };
  const me = cipherFor();
  const frames: Frame[] = [];
  const bytes: Uint8Array[] = [];
  const sync = await DocSync.open({ doc, ydoc: new Y.Doc(), cipher: me, store: new MemoryDocStore(), counters: createCounterTracker(), saveDebounceMs: 60_000 });
  sync.attach({ send: (f) => frames.push(f), ...(encoded ? { sendEncoded: (b: Uint8Array) => bytes.push(b) } : {}), nonce: new Uint8Array(32), maxFrameBytes: 1 << 20 });
  sync.handle({ type: FrameType.Subscribed, doc, mode: CapMode.Write, head: 0, snapshotSeq: 0 });
  sync.handle({ type: FrameType.CaughtUp, doc, head: 0 });
  /** The stream frames this device sent, as the relay decodes them. */
  const sent = (): StreamFrame[] => [...frames.filter((f) => f.type === FrameType.Stream), ...bytes.map((b) => decodeFrame(b, { maxBytes: 1 << 20 }))] as StreamFrame[];
  return { doc, me, sync, sent, bytes, reader: cipherFor(), elsewhere: cipherFor(newDocId()) };
}

const sizes = [0, 5, 4095, 4096, 70_000, 252 * 1024];

describe('DocSync.sendStream', () => {
  it.each([true, false])('sends the joined parts sealed for the document (encoded link: %s)', async (encoded) => {
    const w = await setup(encoded);
    const to = generateDeviceIdentity(crypto).deviceId;
    const payloads: Uint8Array[] = [];
    for (const size of sizes) {
      const payload = new Uint8Array(randomBytes(size));
      const [a, b] = [Math.min(3, size), Math.max(Math.min(3, size), size >> 1)];
      const parts = [payload.subarray(0, a), payload.subarray(a, b), payload.subarray(b)];
      expect(w.sync.sendStream(parts, size % 2 === 0 ? to : '')).toBe(true);
      expect(w.sync.sendStream(payload)).toBe(true);
      payloads.push(payload, payload);
    }
    const frames = w.sent();
    expect(frames).toHaveLength(2 * sizes.length);
    frames.forEach((f, i) => {
      const size = sizes[i >> 1]!;
      expect(f).toMatchObject({ type: FrameType.Stream, doc: w.doc, from: w.me.self, to: i % 2 === 0 && size % 2 === 0 ? expect.any(String) : '' });
      expect(f.payload.length).toBe(size + EPHEMERAL_OVERHEAD);
      const opened = w.reader.openEphemeral('stream', w.me.self, f.payload);
      expect(opened !== null && Buffer.compare(opened, payloads[i]!) === 0).toBe(true);
      // Bound to the kind, the sender and the document.
      expect(w.reader.openEphemeral('presence', w.me.self, f.payload)).toBeNull();
      expect(w.reader.openEphemeral('stream', w.reader.self, f.payload)).toBeNull();
      expect(w.elsewhere.openEphemeral('stream', w.me.self, f.payload)).toBeNull();
    });
    // Encoded frames are encodeFrame's bytes of the frame they decode to.
    for (const b of w.bytes) expect(Buffer.compare(encodeFrame(decodeFrame(b, { maxBytes: 1 << 20 })), b)).toBe(0);
    expect(w.bytes.length > 0).toBe(encoded);
  });

  it('opens to exactly the bytes sent, part boundaries anywhere', async () => {
    const w = await setup(true);
    const payload = new Uint8Array(randomBytes(9000));
    w.sync.sendStream([payload.subarray(0, 4500), new Uint8Array(0), payload.subarray(4500)]);
    const opened = w.reader.openEphemeral('stream', w.me.self, w.sent()[0]!.payload)!;
    expect(Buffer.compare(opened, payload)).toBe(0);
  });

  it('sends nothing and says so while not subscribed', async () => {
    const w = await setup(true);
    w.sync.detach();
    expect(w.sync.sendStream([new Uint8Array(10)])).toBe(false);
    expect(w.sent()).toHaveLength(0);
  });
});
