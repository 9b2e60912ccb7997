/**
 * The relay program as a process: its startup line, health, graceful
 * SIGTERM, and a SIGKILL in the middle of writes followed by a restart on the
 * same data directory that has lost no acknowledged entry.
 */
import { request } from 'node:http';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { CapMode, enrolBytes, FrameType, type AckFrame } from '@tendril/crdt-schema/wire';
import { newWorkspaceId, type DocId } from '@tendril/crdt-schema/ids';
import { testKey, type TestKey } from './testing/keys.ts';
import { makeEnvelope } from './testing/envelopes.ts';
import { barrier, createDoc, follow } from './testing/docs.ts';
import { TestClient } from './testing/test-client.ts';
import { spawnRelay, type RelayProcess } from './testing/spawn-relay.ts';
import { tempDirs } from './testing/temp-dir.ts';
import { waitFor } from './testing/wait.ts';

const dirs = tempDirs();
const running: RelayProcess[] = [];
const clients: TestClient[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await Promise.all(running.splice(0).map((r) => r.child.stop()));
});
afterAll(() => dirs.cleanup());

async function start(dataDir: string, args: string[] = [], env: Record<string, string> = {}): Promise<RelayProcess> {
  const r = await spawnRelay(dataDir, args, env);
  running.push(r);
  return r;
}
async function member(url: string, workspace = newWorkspaceId(), device: TestKey = testKey(), register = true) {
  const client = await TestClient.connect(url);
  clients.push(client);
  const answer = await client.hello(device, workspace, register ? { register: [device.publicKey] } : {});
  if (answer.type !== FrameType.Welcome) throw new Error(`hello refused: ${answer.code}`);
  return { client, device, workspace };
}
const getJson = (url: string): Promise<Record<string, unknown>> =>
  new Promise((resolve, reject) => {
    request(url, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve(JSON.parse(body) as Record<string, unknown>));
    })
      .on('error', reject)
      .end();
  });

describe('relay process', () => {
  it('prints its URL as the last startup line, serves health, and exits 0 on SIGTERM after telling peers', async () => {
    const r = await start(dirs.make());
    expect(r.child.lines.at(-1)).toMatch(/^relay listening on http:\/\/127\.0\.0\.1:\d+$/);
    expect(await getJson(`${r.url}/healthz`)).toEqual({ ok: true, store: 'ok' });
    const m = await member(r.url);
    r.child.process.kill('SIGTERM');
    expect(await m.client.nextError('E_SHUTTING_DOWN')).toMatchObject({ fatal: true });
    expect(await r.child.exited).toEqual({ code: 0, signal: null });
  });

  it('reads the access code from the environment', async () => {
    const r = await start(dirs.make(), [], { TENDRIL_RELAY_ACCESS_CODE: 'let-me-in' });
    const c = await TestClient.connect(r.url);
    clients.push(c);
    const device = testKey();
    expect(await c.hello(device, newWorkspaceId(), { register: [device.publicKey] })).toMatchObject({ code: 'E_ACCESS_CODE' });
    const ok = await TestClient.connect(r.url);
    clients.push(ok);
    expect(await ok.hello(device, newWorkspaceId(), { register: [device.publicKey], accessCode: 'let-me-in' })).toMatchObject({ type: FrameType.Welcome });
  });

  it('loses no acknowledged entry when killed with SIGKILL mid-write and restarted', async () => {
    const data = dirs.make();
    const first = await start(data, ['--frames-per-second', '100000', '--frame-burst', '100000']);
    const owner = await member(first.url);
    const { doc, caps } = await createDoc(owner.client);
    const writers = [owner];
    for (let i = 0; i < 2; i++) {
      // Writers are members: the workspace's admin enrols them.
      const key = testKey();
      owner.client.send({ type: FrameType.Enrol, workspace: owner.workspace, device: key.publicKey, signer: owner.device.id, token: new Uint8Array(0), signature: owner.device.sign(enrolBytes(owner.workspace, key.publicKey)) });
      await barrier(owner.client);
      const w = await member(first.url, owner.workspace, key, false);
      await follow(w.client, doc, caps, CapMode.Write);
      writers.push(w);
    }
    const sent = writers.map(() => new Map<number, Uint8Array>()); // per writer: counter -> envelope
    const ackedBy = writers.map(() => 0);
    const acked: Array<{ seq: number; envelope: Uint8Array }> = [];
    writers.forEach((w, i) => {
      w.client.ws.on('message', () => {
        for (const f of w.client.inbox.splice(0)) {
          if (f.type !== FrameType.Ack) continue;
          acked.push({ seq: f.seq, envelope: sent[i]!.get((f as AckFrame).ref)! });
          ackedBy[i]!++;
        }
      });
    });
    // Each writer keeps at most 40 envelopes unacknowledged, until the relay dies under it.
    const pump = (doc: DocId) =>
      writers.map(async (w, i) => {
        for (let counter = 1; w.client.isOpen; counter++) {
          const envelope = makeEnvelope({ doc, author: w.device, counter, size: 100 });
          sent[i]!.set(counter, envelope);
          w.client.send({ type: FrameType.Envelope, doc, ref: counter, envelope });
          if (counter - ackedBy[i]! >= 40) await waitFor(() => counter - ackedBy[i]! < 20 || !w.client.isOpen, 'acks to catch up');
        }
      });
    const writing = pump(doc);
    await waitFor(() => acked.length >= 600, '600 acks', 30_000);
    await first.child.stop('SIGKILL');
    await Promise.all(writing);
    const ackedNow = [...acked];

    const second = await start(data);
    const reader = await member(second.url, owner.workspace, testKey(), false);
    const seen = await follow(reader.client, doc, caps, CapMode.Read);
    const bySeq = new Map(seen.frames.map((f) => [f.type === FrameType.Entry ? f.seq : -1, f]));
    for (const { seq, envelope } of ackedNow) {
      const f = bySeq.get(seq);
      expect(f?.type, `acked seq ${seq}`).toBe(FrameType.Entry);
      expect(f?.type === FrameType.Entry && Buffer.from(f.envelope).equals(Buffer.from(envelope))).toBe(true);
    }
  });
});
