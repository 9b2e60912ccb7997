/**
 * Faults: several peers write through the real relay while it is killed with
 * SIGKILL and restarted, again and again, at random moments (seeded; the seed
 * is printed with the replay command). All peers converge, and a device that
 * joins afterwards, which sees only what the relay kept, has every message:
 * no change the relay acknowledged was lost.
 */
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createPrng, testSeed } from '@tendril/crdt-schema/testkit';
import type { chatDoc } from '@tendril/crdt-schema/schema';
import { cliOk, eventually, startRelayProcess, tempDir, type RelayProcess } from './harness.ts';
import { makeWorkspace } from './peers.ts';
import type { WorkspaceSession } from '@tendril/crdt-schema/workspace';

const PEERS = 3;
const ROUNDS = 60;

describe('relay killed with -9 during writes', () => {
  const dir = tempDir('faults');
  let relay: RelayProcess | null = null;
  afterAll(async () => {
    await relay?.kill('SIGKILL');
    dir.remove();
  });

  it('converges with nothing lost', async () => {
    const seed = testSeed('workers/test/relay.faults.random.test.ts');
    const rng = createPrng(seed);
    const data = join(dir.path, 'relay');
    relay = await startRelayProcess(data);
    const port = relay.port;
    const ws = await makeWorkspace(dir.path, relay.url, PEERS - 1);
    const peers: WorkspaceSession[] = [];
    const chats: ReturnType<typeof chatDoc>[] = [];
    for (let i = 0; i < PEERS; i++) {
      const p = await ws.open(i);
      p.connect();
      peers.push(p);
      chats.push((await p.openChat(ws.chat)).chat);
    }
    const written: string[] = [];
    let kills = 0;
    for (let round = 0; round < ROUNDS; round++) {
      const i = rng.int(0, PEERS - 1);
      for (let k = rng.int(1, 4); k > 0; k--) {
        const text = `r${round} p${i} k${k} ${rng.string(6)}`;
        chats[i]!.addMessage({ author: peers[i]!.home.identity.deviceId, role: 'user', content: text });
        written.push(text);
      }
      await new Promise((r) => setTimeout(r, rng.int(0, 30)));
      if (rng.bool(0.15)) {
        await relay.kill('SIGKILL');
        kills++;
        await new Promise((r) => setTimeout(r, rng.int(0, 50)));
        relay = await startRelayProcess(data, port);
      }
    }
    expect(kills).toBeGreaterThan(0);
    for (const p of peers) expect(await p.syncOrQueue(30_000)).toBe('synced');
    await eventually(() => chats.every((c) => c.count() === written.length), 30_000, `every peer to hold ${written.length} messages (seed ${seed})`);
    const reference = chats[0]!.transcript().map((m) => `${m.id}:${m.content}`);
    for (const c of chats) expect(c.transcript().map((m) => `${m.id}:${m.content}`)).toEqual(reference);
    for (const p of peers) await p.close();

    // A new device sees only what the relay kept.
    const link = (await cliOk('invite', '--home', ws.homes[0]!)).last;
    const late = join(dir.path, 'late');
    await cliOk('join', '--home', late, link);
    const shown = await cliOk('chat', 'show', '--home', late, ws.chat, '--json');
    const contents = (JSON.parse(shown.last) as { content: string }[]).map((m) => m.content).sort();
    expect(contents).toEqual([...written].sort());
  });
});
