/**
 * Integration: quotas. Per workspace, the documents it registers, the bytes it
 * stores and the blobs it holds are capped (E_QUOTA_EXCEEDED, nothing stored);
 * registration of new workspaces is capped per remote address within a window
 * and in total (E_REGISTRATION_LIMIT, fatal). All are relay limits.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { newDocId, newWorkspaceId } from '@tendril/crdt-schema/ids';
import { CapMode, FrameType } from '@tendril/crdt-schema/wire';
import { relayHarness } from '../testing/harness.ts';
import { testCaps, testKey } from '../testing/keys.ts';
import { appendAll, createDoc } from '../testing/docs.ts';
import { makeEnvelope } from '../testing/envelopes.ts';
import { manualClock } from '../testing/manual-clock.ts';

const h = relayHarness();
afterEach(() => h.cleanup());

describe('relay quotas', () => {
  it('caps the documents a workspace registers', async () => {
    const relay = await h.start({ limits: { maxDocsPerWorkspace: 2 } });
    const m = await h.member(relay);
    await createDoc(m.client);
    await createDoc(m.client);
    const doc = newDocId();
    expect(await m.client.subscribe(doc, testCaps(), CapMode.Write, 0, true)).toMatchObject({ code: 'E_QUOTA_EXCEEDED' });
    expect(await relay.store.getDoc(doc)).toBeUndefined();
    const other = await h.member(relay);
    expect((await other.client.subscribe(newDocId(), testCaps(), CapMode.Write, 0, true)).type, 'another workspace is not affected').toBe(FrameType.Subscribed);
  });

  it('caps the bytes a workspace stores: an append past the cap is refused and not stored', async () => {
    const relay = await h.start({ limits: { maxStoredBytesPerWorkspace: 3000 } });
    const m = await h.member(relay);
    const { doc } = await createDoc(m.client);
    await appendAll(m.client, m.device, doc, [1, 2], 1000);
    const big = makeEnvelope({ doc, author: m.device, counter: 3, size: 1500 });
    m.client.send({ type: FrameType.Envelope, doc, ref: 3, envelope: big });
    expect(await m.client.nextError('E_QUOTA_EXCEEDED')).toMatchObject({ doc, ref: 3 });
    expect(await relay.store.head(doc)).toBe(2);
  });

  it('caps the blobs a workspace holds, and their bytes', async () => {
    const relay = await h.start({ limits: { maxBlobsPerWorkspace: 2, maxStoredBytesPerWorkspace: 5000 } });
    const m = await h.member(relay);
    let ref = 1;
    const put = async (size: number) => {
      const r = ref++;
      m.client.send({ type: FrameType.BlobPut, ref: r, key: `k${r}`, ttlSeconds: 60, data: new Uint8Array(size) });
      return m.client.next((f) => (f.type === FrameType.Blob || f.type === FrameType.Error) && f.ref === r);
    };
    expect(await put(4000)).toMatchObject({ type: FrameType.Blob, found: true });
    expect(await put(2000)).toMatchObject({ code: 'E_QUOTA_EXCEEDED' });
    expect(await put(10)).toMatchObject({ type: FrameType.Blob, found: true });
    expect(await put(10)).toMatchObject({ code: 'E_QUOTA_EXCEEDED' });
    expect((await relay.store.stats()).blobs).toBe(2);
  });

  it('caps registrations per address within the window, then admits again', async () => {
    const clock = manualClock();
    const relay = await h.start({ clock, limits: { maxRegistrationsPerIp: 2, registrationWindowMs: 60_000 } });
    const register = async () => {
      const c = await h.connect(relay);
      const k = testKey();
      return c.hello(k, newWorkspaceId(), { register: [k.publicKey] });
    };
    expect((await register()).type).toBe(FrameType.Welcome);
    expect((await register()).type).toBe(FrameType.Welcome);
    expect(await register()).toMatchObject({ code: 'E_REGISTRATION_LIMIT', fatal: true });
    expect((await relay.store.stats()).workspaces).toBe(2);
    clock.advance(60_001);
    expect((await register()).type).toBe(FrameType.Welcome);
  });

  it('caps the workspaces the relay holds in total', async () => {
    const relay = await h.start({ limits: { maxWorkspaces: 1 } });
    await h.member(relay);
    const c = await h.connect(relay);
    const k = testKey();
    expect(await c.hello(k, newWorkspaceId(), { register: [k.publicKey] })).toMatchObject({ code: 'E_REGISTRATION_LIMIT' });
    expect((await relay.store.stats()).workspaces).toBe(1);
  });
});
