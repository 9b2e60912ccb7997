/** Integration: one-time blobs: taken once, scoped to the workspace, expiring, and bounded. */
import { afterEach, describe, expect, it } from 'vitest';
import { FrameType, type BlobFrame } from '@tendril/crdt-schema/wire';
import { relayHarness, type Member } from '../testing/harness.ts';
import { manualClock } from '../testing/manual-clock.ts';
import { waitFor } from '../testing/wait.ts';

const h = relayHarness();
afterEach(() => h.cleanup());

let ref = 1;
async function put(m: Member, key: string, data: Uint8Array, ttlSeconds = 60) {
  const r = ref++;
  m.client.send({ type: FrameType.BlobPut, ref: r, key, ttlSeconds, data });
  return m.client.next((f) => (f.type === FrameType.Blob || f.type === FrameType.Error) && f.ref === r);
}
async function take(m: Member, key: string): Promise<BlobFrame> {
  const r = ref++;
  m.client.send({ type: FrameType.BlobTake, ref: r, key });
  return m.client.next<BlobFrame>((f) => f.type === FrameType.Blob && f.ref === r);
}

describe('relay blobs', () => {
  it('hands a blob out once, to any device of the workspace, and not across workspaces', async () => {
    const relay = await h.start();
    const a = await h.member(relay);
    const b = await h.member(relay, a.workspace);
    const stranger = await h.member(relay);
    const data = new Uint8Array([9, 8, 7]);
    expect(await put(a, 'invite-1', data)).toMatchObject({ type: FrameType.Blob, found: true, data: new Uint8Array(0) });
    expect(await take(stranger, 'invite-1')).toMatchObject({ found: false });
    expect(await take(b, 'invite-1')).toMatchObject({ found: true, data });
    expect(await take(a, 'invite-1')).toMatchObject({ found: false, data: new Uint8Array(0) });
  });

  it('expires blobs after their TTL and sweeps them from the store', async () => {
    const clock = manualClock();
    // Pings off: a jump of the manual clock would fire two pings before the pong could arrive.
    const relay = await h.start({ clock, limits: { blobSweepIntervalMs: 60_000, pingIntervalMs: 1e9 } });
    const a = await h.member(relay);
    await put(a, 'short', new Uint8Array([1]), 10);
    await put(a, 'long', new Uint8Array([2]), 3600);
    await put(a, 'swept', new Uint8Array([3]), 30);
    clock.advance(10_000);
    expect(await take(a, 'short')).toMatchObject({ found: false });
    clock.advance(50_000);
    await waitFor(async () => (await relay.store.stats()).blobs === 1, 'the sweep');
    expect(await take(a, 'long')).toMatchObject({ found: true });
  });

  it('refuses oversized blobs and out-of-range TTLs with E_BAD_INPUT', async () => {
    const relay = await h.start({ limits: { maxBlobBytes: 16, maxBlobTtlSeconds: 100 } });
    const a = await h.member(relay);
    expect(await put(a, 'big', new Uint8Array(17))).toMatchObject({ code: 'E_BAD_INPUT' });
    expect(await put(a, 'zero', new Uint8Array(1), 0)).toMatchObject({ code: 'E_BAD_INPUT' });
    expect(await put(a, 'long', new Uint8Array(1), 101)).toMatchObject({ code: 'E_BAD_INPUT' });
    expect((await relay.store.stats()).blobs).toBe(0);
  });
});
