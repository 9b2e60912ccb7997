import { describe, expect, it } from 'vitest';
import type { LedgerEntry } from '@tendril/crdt-schema/sync';
import { formatBytes, relayView, type RelayViewInput } from './relay-view.ts';

const ME = 'me-device';
const PEER = 'peer-device';
const entry = (seq: number, bytes: number, author: string | null, at: number): LedgerEntry => ({ seq, bytes, author: author as LedgerEntry['author'], direction: author === ME ? 'sent' : 'received', at });

const input: RelayViewInput = {
  relay: 'ws://relay.test/sync',
  workspace: 'ws-1',
  self: ME,
  observed: { address: '203.0.113.7', serverTime: 1000, at: 1001 },
  docs: [
    { id: 'doc-b', cursor: 3, entries: [entry(1, 300, ME, 10), entry(2, 500, PEER, 20), entry(3, 200, ME, 30)], snapshots: [entry(3, 900, null, 31)] },
    { id: 'doc-a', cursor: 5, entries: [entry(5, 100, PEER, 50)], snapshots: [] },
    { id: 'doc-c', cursor: 0, entries: [], snapshots: [] },
  ],
  devices: [PEER, ME, 'quiet-device'],
  blobs: [
    { direction: 'put', bytes: 120, ttlSeconds: 600, at: 5 },
    { direction: 'take', bytes: 80, ttlSeconds: 0, at: 6 },
  ],
};

describe('relay view shaping', () => {
  it('lists documents by id with relay entry counts, exchanged sizes, times and authors', () => {
    const v = relayView(input);
    expect(v.docs.map((d) => d.id)).toEqual(['doc-a', 'doc-b', 'doc-c']);
    expect(v.docs[1]).toEqual({
      id: 'doc-b',
      entries: 3,
      seen: 3,
      bytes: 1000,
      sizes: { min: 200, max: 500 },
      first: 10,
      last: 30,
      authors: [
        { device: ME, entries: 2, bytes: 500 },
        { device: PEER, entries: 1, bytes: 500 },
      ],
      snapshots: 1,
      snapshotBytes: 900,
    });
    expect(v.docs[0]).toMatchObject({ entries: 5, seen: 1, bytes: 100 });
    expect(v.docs[2]).toMatchObject({ entries: 0, seen: 0, bytes: 0, sizes: null, first: null, last: null, authors: [] });
    expect(v.totals).toEqual({ docs: 3, entries: 8, seen: 4, bytes: 1100 });
  });

  it('lists every member device with this one first and counts the entries each authored', () => {
    expect(relayView(input).devices).toEqual([
      { id: ME, self: true, entries: 2 },
      { id: PEER, self: false, entries: 2 },
      { id: 'quiet-device', self: false, entries: 0 },
    ]);
  });

  it("shows the address from the relay's Welcome, and none before one arrived", () => {
    expect(relayView(input).address).toBe('203.0.113.7');
    expect(relayView({ ...input, observed: null }).address).toBeNull();
  });

  it('counts blob sizes and formats bytes', () => {
    expect(relayView(input).blobs).toEqual({ count: 2, bytes: 200 });
    expect([formatBytes(412), formatBytes(3200), formatBytes(1_400_000)]).toEqual(['412 B', '3.2 KB', '1.4 MB']);
  });
});
