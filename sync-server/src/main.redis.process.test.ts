/**
 * The relay program on Redis, as a process: `--redis URL` serves devices with
 * the data in Redis (a second relay process on the same Redis sees it), says
 * so on /healthz and refuses writes while Redis is down, and refuses to start
 * on a Redis that could lose acknowledged appends.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { CapMode, FrameType } from '@tendril/crdt-schema/wire';
import { newWorkspaceId } from '@tendril/crdt-schema/ids';
import { testKey, type TestKey } from './testing/keys.ts';
import { makeEnvelope } from './testing/envelopes.ts';
import { appendAll, createDoc, follow, range } from './testing/docs.ts';
import { TestClient } from './testing/test-client.ts';
import { MAIN, spawnRelay, type RelayProcess } from './testing/spawn-relay.ts';
import { spawnTs } from './testing/spawn.ts';
import { startRedis, type TestRedis } from './testing/redis-server.ts';
import { tempDirs } from './testing/temp-dir.ts';
import { waitFor } from './testing/wait.ts';

const dirs = tempDirs();
const running: RelayProcess[] = [];
const clients: TestClient[] = [];
const servers: TestRedis[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await Promise.all(running.splice(0).map((r) => r.child.stop()));
  for (const s of servers.splice(0)) await s.cleanup();
});
afterAll(() => dirs.cleanup());

async function redis(settings?: Record<string, string>): Promise<TestRedis> {
  const r = await startRedis({ settings });
  servers.push(r);
  return r;
}
async function start(args: string[], env: Record<string, string> = {}, dataDir = dirs.make()): Promise<RelayProcess> {
  const r = await spawnRelay(dataDir, args, env);
  running.push(r);
  return r;
}
async function member(url: string, workspace = newWorkspaceId(), device: TestKey = testKey()) {
  const client = await TestClient.connect(url);
  clients.push(client);
  const answer = await client.hello(device, workspace, { register: [device.publicKey] });
  if (answer.type !== FrameType.Welcome) throw new Error(`hello refused: ${answer.code}`);
  return { client, device, workspace };
}
async function health(url: string): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`${url}/healthz`);
  return { status: res.status, body: await res.json() };
}

describe('relay process on Redis', () => {
  it('serves a device with its data in Redis, which a relay started later on the same Redis serves too', async () => {
    const r = await redis();
    const data = dirs.make();
    const first = await start(['--redis', r.url], {}, data);
    expect(await health(first.url)).toEqual({ status: 200, body: { ok: true, store: 'ok' } });
    const owner = await member(first.url);
    const { doc, caps } = await createDoc(owner.client);
    expect((await appendAll(owner.client, owner.device, doc, range(1, 5))).map((a) => a.seq)).toEqual([1, 2, 3, 4, 5]);
    expect(existsSync(join(data, 'relay.sqlite')), 'no SQLite database beside Redis').toBe(false);
    await first.child.stop('SIGTERM');

    const second = await start([], { TENDRIL_REDIS_URL: r.url });
    const again = await member(second.url, owner.workspace, owner.device);
    const seen = await follow(again.client, doc, caps, CapMode.Read);
    expect(seen.frames.flatMap((f) => (f.type === FrameType.Entry ? [f.seq] : []))).toEqual([1, 2, 3, 4, 5]);
  });

  it('answers 503 on /healthz and refuses writes while Redis is down, and recovers when it is back', async () => {
    const r = await redis();
    const relay = await start(['--redis', r.url]);
    const m = await member(relay.url);
    const { doc } = await createDoc(m.client);
    await appendAll(m.client, m.device, doc, [1]);

    await r.stop('SIGKILL');
    expect(await health(relay.url)).toEqual({ status: 503, body: { ok: false, store: 'failing' } });
    m.client.send({ type: FrameType.Envelope, doc, ref: 2, envelope: makeEnvelope({ doc, author: m.device, counter: 2 }) });
    expect(await m.client.nextError('E_STORE_FAILED')).toMatchObject({ ref: 2 });
    expect(relay.child.stderr()).toMatch(/"event":"store\.redis\.lost"/);

    await r.restart();
    await waitFor(async () => (await health(relay.url)).status === 200, '/healthz to recover', 20_000);
    m.client.send({ type: FrameType.Envelope, doc, ref: 3, envelope: makeEnvelope({ doc, author: m.device, counter: 2 }) });
    expect(await m.client.nextOf(FrameType.Ack, doc)).toMatchObject({ ref: 3, seq: 2 });
  });

  it('refuses to start on a Redis without appendfsync always, unless told to accept the risk', async () => {
    const r = await redis({ appendfsync: 'everysec' });
    const refused = spawnTs(MAIN, ['--port', '0', '--redis', r.url]);
    expect(await refused.exited).toEqual({ code: 1, signal: null });
    expect(refused.stderr()).toMatch(/relay failed: Redis would lose acknowledged appends: .*appendfsync=everysec.*--redis-unsafe-durability/);
    const accepted = await start(['--redis', r.url, '--redis-unsafe-durability']);
    expect(await health(accepted.url)).toMatchObject({ status: 200 });
  });
});
