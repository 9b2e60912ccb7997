import * as Y from 'yjs';
import { describe, expect, it } from 'vitest';
import type { DeviceId } from '../ids.ts';
import { createPrng, testSeed } from './prng.ts';
import { decodeFrame, encodeFrame, Peer } from './peers.ts';
import { testIds } from './test-ids.ts';

describe('peer frames', () => {
  it('round-trip document id and update (seeded)', () => {
    const prng = createPrng(testSeed('crdt-schema/src/testkit/peers.frame.test.ts'));
    const ids = testIds(prng);
    for (let i = 0; i < 100; i++) {
      const docId = ids.docId();
      const update = prng.bytes(prng.int(0, 500));
      expect(decodeFrame(encodeFrame(docId, update))).toEqual({ docId, update });
    }
    const frame = encodeFrame(ids.docId(), new Uint8Array([1]));
    expect(() => decodeFrame(new Uint8Array([...frame, 0]))).toThrow(/trailing/);
  });

  it('queues local updates, merges them per document, and never echoes remote ones', () => {
    const a = new Peer(0, 'A'.repeat(43) as DeviceId);
    const b = new Peer(1, 'B'.repeat(43) as DeviceId);
    const docId = testIds(createPrng(1)).docId();
    a.doc(docId).getMap('m').set('x', 1);
    a.doc(docId).getMap('m').set('y', 2);
    const frames = a.takeOutbox(true);
    expect(frames).toHaveLength(1);
    for (const f of frames) b.receive(f);
    expect(b.doc(docId).getMap('m').toJSON()).toEqual({ x: 1, y: 2 });
    expect(b.takeOutbox(true)).toEqual([]);
    a.muted = true;
    a.doc(docId).getMap('m').set('z', 3);
    expect(a.takeOutbox(true)).toEqual([]);
    expect(Y.encodeStateVector(a.doc(docId))).not.toEqual(Y.encodeStateVector(b.doc(docId)));
  });
});
