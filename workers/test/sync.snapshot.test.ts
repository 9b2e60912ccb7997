/**
 * Compaction: a writer uploads an encrypted snapshot once enough entries
 * follow the last one, and a new device loads a long chat from snapshot +
 * tail, not from the whole history. Recorded by an honest pass-through in
 * front of the real relay.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DocId } from '@tendril/crdt-schema/ids';
import { FrameType } from '@tendril/crdt-schema/wire';
import { cliOk, eventually, startRelayProcess, tempDir, type RelayProcess } from './harness.ts';
import { startMitm, type MitmRelay } from './mitm-relay.ts';
import { makeWorkspace } from './peers.ts';

describe('snapshot + tail', () => {
  const dir = tempDir('snapshot');
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

  it('a new device loads a long chat from the snapshot and the entries after it', async () => {
    const ws = await makeWorkspace(dir.path, relay.url, 0);
    const writer = await ws.open(0, { snapshotEvery: 50 });
    const { chat, sync } = await writer.openChat(ws.chat);
    const chatDoc: DocId = sync.doc;
    for (let i = 0; i < 120; i++) {
      chat.addMessage({ author: writer.home.identity.deviceId, role: 'user', content: `m${i}` });
      expect(await writer.syncOrQueue(10_000)).toBe('synced');
    }
    await writer.close();

    const link = (await cliOk('invite', '--home', ws.homes[0]!)).last;
    const home = join(dir.path, 'newcomer');
    await cliOk('join', '--home', home, link);
    ws.homes.push(home);
    const seen = { snapshots: 0, entries: 0, snapshotSeq: 0 };
    mitm.attack = (f) => {
      if ('doc' in f && f.doc === chatDoc && f.type === FrameType.Snapshot) {
        seen.snapshots++;
        seen.snapshotSeq = f.seq;
      }
      if ('doc' in f && f.doc === chatDoc && f.type === FrameType.Entry) seen.entries++;
      return [f];
    };
    const newcomer = await ws.open(ws.homes.length - 1, { relay: mitm.url });
    const loaded = await newcomer.openChat(ws.chat);
    expect(await newcomer.syncOrQueue(10_000)).toBe('synced');
    await eventually(() => loaded.chat.count() === 120, 10_000, 'all 120 messages');
    expect(loaded.chat.transcript().map((m) => m.content)).toEqual(Array.from({ length: 120 }, (_, i) => `m${i}`));
    expect(seen.snapshots).toBe(1);
    expect(seen.snapshotSeq).toBeGreaterThanOrEqual(100);
    expect(seen.entries).toBeLessThan(30);
    expect(newcomer.peer.seenProblems).toEqual([]);
    await newcomer.close();
  });
});
