/**
 * Fuzz: at least 100,000 malformed frames (random bytes, mutated valid frames
 * of every type; before and after the handshake, with and without a live
 * subscription) against the real relay process. The relay must stay up,
 * answer /healthz throughout, keep its heap bounded, release every
 * connection, and still serve a normal client afterwards.
 */
import { request } from 'node:http';
import { afterAll, describe, expect, it } from 'vitest';
import { newWorkspaceId } from '@tendril/crdt-schema/ids';
import { CapMode, FrameType } from '@tendril/crdt-schema/wire';
import { testKey } from './testing/keys.ts';
import { appendAll, createDoc, follow } from './testing/docs.ts';
import { fuzzFrame, templates } from './testing/fuzz-frames.ts';
import { rng, seededRng } from './testing/prng.ts';
import { spawnRelay, type RelayProcess } from './testing/spawn-relay.ts';
import { tempDirs } from './testing/temp-dir.ts';
import { TestClient } from './testing/test-client.ts';
import { waitFor } from './testing/wait.ts';

const TARGET = Number(process.env.FUZZ_TARGET ?? 100_000);
const WORKERS = 16;
const dirs = tempDirs();
let relay: RelayProcess | undefined;
afterAll(async () => {
  await relay?.child.stop();
  dirs.cleanup();
});

const get = (url: string): Promise<string> =>
  new Promise((resolve, reject) => {
    request(url, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve(body));
    })
      .on('error', reject)
      .end();
  });
const gauge = (metrics: string, name: string): number => Number(new RegExp(`^${name} (\\d+)$`, 'm').exec(metrics)?.[1] ?? NaN);
const health = async (url: string) => {
  const { ok } = JSON.parse(await get(`${url}/healthz`)) as { ok: boolean };
  const metrics = await get(`${url}/metrics`);
  return { ok, heapUsed: gauge(metrics, 'tendril_relay_heap_used_bytes'), connections: gauge(metrics, 'tendril_relay_connections') };
};
/** Frames the relay decoded or refused, from its own metrics. */
const framesIn = async (url: string): Promise<number> =>
  [...(await get(`${url}/metrics`)).matchAll(/^tendril_relay_frames_in_total\{[^}]*\} (\d+)$/gm)].reduce((n, m) => n + Number(m[1]), 0);

describe('relay fuzz', () => {
  it(`stays up with bounded memory through ${TARGET.toLocaleString('en')} malformed frames`, { timeout: 240_000 }, async () => {
    const seeded = seededRng('sync-server/src/relay.fuzz.test.ts');
    relay = await spawnRelay(dirs.make(), [
      '--max-pre-auth-per-ip', '100000', '--connect-burst-per-ip', '1000000', '--frames-per-second', '1000000', '--frame-burst', '1000000',
    ]);
    const { url } = relay;
    const owner = await TestClient.connect(url);
    const admin = testKey();
    const workspace = newWorkspaceId();
    await owner.hello(admin, workspace, { register: [admin.publicKey] });
    const { doc, caps } = await createDoc(owner);
    await owner.close(); // it would only collect the fuzzers' presence

    let validSent = 4; // owner: hello, subscribe, and the checks below
    let fuzzed = 0;
    let processed = 0;
    const heap: number[] = [];
    const sample = async (): Promise<void> => {
      const h = await health(url);
      expect(h.ok).toBe(true);
      heap.push(h.heapUsed);
      processed = (await framesIn(url)) - validSent;
      if (process.env.FUZZ_DEBUG) console.log(`progress ${fuzzed} sent, ${processed} handled, heap ${h.heapUsed}, conns ${h.connections}, t ${Date.now()}`);
    };

    // Each worker reuses one device and one template pool; a connection lives until a fatal frame ends it
    // (or 300 frames), with a barrier every 20 frames so the client never runs far ahead of the relay.
    const mix = { random: 0.03, mutated: 0.03 };
    const worker = async (id: number): Promise<void> => {
      const r = rng(seeded.seed + id);
      const device = testKey();
      const ctx = { device, workspace, doc };
      const pool = templates(ctx, r);
      let ref = 1;
      while (processed < TARGET) {
        const c = await TestClient.connect(url);
        if (r.next() < 0.9) {
          validSent++;
          if ((await c.hello(device, workspace)).type !== FrameType.Welcome) throw new Error('hello refused');
          if (r.next() < 0.5) {
            validSent++;
            await c.subscribe(doc, caps, CapMode.Write);
          }
        }
        for (let sent = 0; sent < 300 && c.isOpen; sent += 20) {
          for (let i = 0; i < 20; i++) c.sendRaw(fuzzFrame(ctx, pool, r, mix));
          fuzzed += 20;
          validSent++;
          const barrier = 1_000_000 + ref++;
          c.send({ type: FrameType.BlobTake, ref: barrier, key: 'barrier' });
          // Answered by a Blob, or before the handshake by E_AUTH_REQUIRED with the same ref.
          await c.next((f) => (f.type === FrameType.Blob || f.type === FrameType.Error) && f.ref === barrier).catch(() => undefined);
          c.inbox.length = 0;
          c.received.length = 0;
        }
        await c.close();
        if (id === 0 && fuzzed - heap.length * 5_000 >= 5_000) await sample();
      }
    };
    await sample();
    await Promise.all(Array.from({ length: WORKERS }, (_, i) => worker(i)));
    await sample();
    const refusals = [...(await get(`${url}/metrics`)).matchAll(/^tendril_relay_rejected_frames_total\{reason="(\w+)"\} (\d+)$/gm)].map((m) => `${m[1]}=${m[2]}`);
    console.log(`fuzz: ${fuzzed} frames sent, ${processed} handled by the relay; refusals ${refusals.join(' ')}`);
    console.log(`fuzz: heap MiB ${heap.map((b) => Math.round(b / 2 ** 20)).join(' ')}`);

    expect(processed).toBeGreaterThanOrEqual(TARGET);
    expect(relay.child.process.exitCode).toBeNull();
    const warm = Math.max(...heap.slice(1, 4));
    expect(Math.max(...heap), 'heap stays within 96 MiB of its warm size').toBeLessThan(warm + 96 * 2 ** 20);
    await waitFor(async () => (await health(url)).connections === 0, 'fuzz connections to be released');

    // Still a working relay (for a member: the workspace's admin, on a new connection).
    const w = await TestClient.connect(url);
    const device = admin;
    expect((await w.hello(device, workspace)).type).toBe(FrameType.Welcome);
    const seen = await follow(w, doc, caps, CapMode.Write);
    const before = seen.head;
    const [ack] = await appendAll(w, device, doc, [1]);
    expect(ack!.seq).toBeGreaterThan(before);
    await w.close();
  });
});
