/**
 * Five writers online on one chat upload one whole-state snapshot per
 * `snapshotEvery` entries between them (the author of the entry at each
 * multiple), not one each: every other device learns of the stored snapshot
 * from the relay. Counted on the wire by an honest pass-through in front of
 * the real relay.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeFrame, FrameType } from '@tendril/crdt-schema/wire';
import { eventually, startRelayProcess, tempDir, type RelayProcess } from './harness.ts';
import { startMitm, type MitmRelay } from './mitm-relay.ts';
import { makeWorkspace } from './peers.ts';

const EVERY = 20;
const WRITERS = 5;
const ROUNDS = 12;

describe('snapshots with several writers online', () => {
  const dir = tempDir('snapshot-writers');
  let relay: RelayProcess;
  let mitm: MitmRelay;
  beforeAll(async () => {
    relay = await startRelayProcess(join(dir.path, 'relay'));
    mitm = await startMitm(relay.url);
  });
  afterAll(async () => {
    await mitm?.close();
    await relay?.kill();
    dir.remove();
  });

  it(`uploads one snapshot per ${EVERY} entries with ${WRITERS} writers online`, async () => {
    const ws = await makeWorkspace(dir.path, relay.url, WRITERS - 1);
    const sessions = await Promise.all(Array.from({ length: WRITERS }, (_, i) => ws.open(i, { relay: mitm.url, snapshotEvery: EVERY })));
    const chats = await Promise.all(sessions.map((s) => s.openChat(ws.chat)));
    for (const s of sessions) expect(await s.syncOrQueue(10_000)).toBe('synced');
    const chatDoc = chats[0]!.sync.doc;
    const puts = (): number[] =>
      mitm.transcript.relayBound().map((bytes) => decodeFrame(bytes)).flatMap((f) => (f.type === FrameType.SnapshotPut && f.doc === chatDoc ? [f.seq] : []));
    const start = chats[0]!.chat.count();
    // Every writer writes one message per round, all at once; the next round starts when all hold them.
    for (let round = 0; round < ROUNDS; round++) {
      chats.forEach(({ chat }, i) => chat.addMessage({ author: sessions[i]!.home.identity.deviceId, role: 'user', content: `r${round} w${i}` }));
      const want = start + (round + 1) * WRITERS;
      await eventually(() => chats.every(({ chat }) => chat.count() === want), 20_000, `round ${round}: every writer holds ${want} messages (${chats.map(({ chat }) => chat.count()).join(" ")})`);
    }
    const head = Math.max(...chats.map(({ sync }) => sync.cursor));
    const boundaries = Math.floor(head / EVERY);
    expect(boundaries).toBeGreaterThanOrEqual(2);
    // The last boundary's snapshot may still be on its way.
    await eventually(() => puts().length >= boundaries - 1, 10_000, 'the snapshot uploads');
    const uploads = puts();
    expect(uploads.length, JSON.stringify(uploads)).toBeLessThanOrEqual(boundaries);
    expect(new Set(uploads.map((seq) => Math.floor(seq / EVERY))).size, 'one upload per interval').toBe(uploads.length);
    for (const s of sessions) expect(s.peer.seenProblems).toEqual([]);
    await Promise.all(sessions.map((s) => s.close()));
  });

  it('a relay announcing a snapshot beyond what it holds cannot stop the next upload', async () => {
    const ws = await makeWorkspace(dir.path + '/lying', relay.url, 0);
    const writer = await ws.open(0, { relay: mitm.url, snapshotEvery: EVERY });
    const { chat, sync } = await writer.openChat(ws.chat);
    expect(await writer.syncOrQueue(10_000)).toBe('synced');
    const doc = sync.doc;
    let lied = false;
    mitm.attack = (f) => {
      if (f.type !== FrameType.Ack || f.doc !== doc || lied) return [f];
      lied = true;
      return [f, { type: FrameType.SnapshotStored, doc, seq: 1_000_000 }];
    };
    const before = mitm.transcript.relayBound().length;
    const puts = (): number[] =>
      mitm.transcript.relayBound().slice(before).map((bytes) => decodeFrame(bytes)).flatMap((f) => (f.type === FrameType.SnapshotPut && f.doc === doc ? [f.seq] : []));
    for (let i = 0; i < EVERY + 5; i++) {
      chat.addMessage({ author: writer.home.identity.deviceId, role: 'user', content: `m${i}` });
      expect(await writer.syncOrQueue(10_000)).toBe('synced');
    }
    expect(lied).toBe(true);
    await eventually(() => puts().length === 1, 10_000, 'the snapshot upload');
    mitm.attack = null;
    await writer.close();
  });
});
