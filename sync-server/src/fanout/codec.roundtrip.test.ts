/** Fan-out message bytes: every kind round-trips (seeded), and malformed bytes are refused whole. */
import { describe, expect, it } from 'vitest';
import { newDocId, newGuestLinkId, newWorkspaceId, toBase64Url } from '@tendril/crdt-schema/ids';
import { encodeFrame, FrameType } from '@tendril/crdt-schema/wire';
import { seededRng } from '../testing/prng.ts';
import { testKey } from '../testing/keys.ts';
import { ORIGIN_BYTES, readFanoutMessage, writeFanoutMessage } from './codec.ts';
import type { FanoutMessage } from './types.ts';

const r = seededRng('sync-server/src/fanout/codec.roundtrip.test.ts');

function randomMessage(): FanoutMessage {
  const doc = newDocId();
  switch (r.int(0, 6)) {
    case 0:
      return { kind: 'appended', doc, seq: r.int(1, 2 ** 40) };
    case 1:
      return { kind: 'frame', frame: { type: FrameType.Presence, doc, from: testKey().id, payload: r.bytes(r.int(0, 300)) } };
    case 2:
      return { kind: 'frame', frame: { type: FrameType.Stream, doc, from: testKey().id, to: r.int(0, 1) ? '' : testKey().id, payload: r.bytes(r.int(0, 300)) } };
    case 3:
      return { kind: 'frame', frame: { type: FrameType.SnapshotStored, doc, seq: r.int(1, 1000) } };
    case 4:
      return { kind: 'revoked', workspace: newWorkspaceId(), device: testKey().id };
    case 5:
      return { kind: 'guestEnded', link: newGuestLinkId(), visitor: r.int(0, 1) ? '' : toBase64Url(r.bytes(32)) };
    default:
      return { kind: 'caps', doc };
  }
}

describe('fan-out message codec', () => {
  it('reads back what it wrote, with the origin', () => {
    for (let i = 0; i < 200; i++) {
      const origin = r.bytes(ORIGIN_BYTES);
      const msg = randomMessage();
      expect(readFanoutMessage(writeFanoutMessage(origin, msg))).toEqual({ origin, msg });
    }
  });

  it('refuses malformed messages: unknown kind, short, bad ids, bad seq, frames that do not cross', () => {
    const origin = new Uint8Array(ORIGIN_BYTES);
    const good = writeFanoutMessage(origin, { kind: 'appended', doc: newDocId(), seq: 3 });
    const withKind = (k: number): Uint8Array => Uint8Array.of(k, ...good.subarray(1));
    const withBody = (kind: number, body: Uint8Array | string): Uint8Array => {
      const b = typeof body === 'string' ? new TextEncoder().encode(body) : body;
      return Uint8Array.of(kind, ...origin, ...b);
    };
    expect(() => readFanoutMessage(withKind(9))).toThrow(/unknown fan-out message kind/);
    expect(() => readFanoutMessage(good.subarray(0, ORIGIN_BYTES))).toThrow(/too short/);
    expect(() => readFanoutMessage(withBody(1, JSON.stringify({ doc: 'not a doc', seq: 1 })))).toThrow();
    expect(() => readFanoutMessage(withBody(1, JSON.stringify({ doc: newDocId(), seq: 0 })))).toThrow(/seq/);
    expect(() => readFanoutMessage(withBody(1, JSON.stringify({ doc: newDocId(), seq: 1.5 })))).toThrow(/seq/);
    expect(() => readFanoutMessage(withBody(1, '[1]'))).toThrow(/object/);
    expect(() => readFanoutMessage(withBody(3, JSON.stringify({ workspace: newWorkspaceId(), device: 'x' })))).toThrow();
    expect(() => readFanoutMessage(withBody(4, '{'))).toThrow();
    const entry = encodeFrame({ type: FrameType.Entry, doc: newDocId(), seq: 1, envelope: new Uint8Array(8) });
    expect(() => readFanoutMessage(withBody(2, entry))).toThrow(/does not cross/);
    expect(() => readFanoutMessage(withBody(2, Uint8Array.of(1, 2, 3)))).toThrow();
    expect(() => writeFanoutMessage(new Uint8Array(3), { kind: 'caps', doc: newDocId() })).toThrow(/origin/);
  });
});
