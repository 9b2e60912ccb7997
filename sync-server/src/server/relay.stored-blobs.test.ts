/**
 * Integration: content-addressed blobs at the relay. A member uploads in parts (resuming where the
 * relay stands) and reads back in parts; the relay refuses bytes that do not hash to their id,
 * strangers, visitors, blobs over the size cap and uploads past the workspace quota; only an admin or
 * the storing device deletes; stored blobs survive a relay restart on SQLite and on Redis.
 */
import { createHash, randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BlobKind, FrameType, type BlobDataFrame, type Frame } from '@tendril/crdt-schema/wire';
import { relayHarness, type Member, type TestRelay } from '../testing/harness.ts';
import { testKey } from '../testing/keys.ts';
import { guestHello, registerLink } from '../testing/guests.ts';
import type { TestClient } from '../testing/test-client.ts';
import { openSqliteStore } from '../store/sqlite.ts';
import { openRedisStore } from '../store/redis.ts';
import type { RelayStore } from '../store/types.ts';
import { tempDirs } from '../testing/temp-dir.ts';
import { waitFor } from '../testing/wait.ts';
import { startRedis, type TestRedis } from '../testing/redis-server.ts';

const h = relayHarness();
afterEach(() => h.cleanup());
const dirs = tempDirs('tendril-stored-blobs-');
let redis: TestRedis;
beforeAll(async () => {
  redis = await startRedis();
}, 30_000);
afterAll(async () => {
  await redis?.cleanup();
  dirs.cleanup();
});

const sha = (b: Uint8Array): Uint8Array => new Uint8Array(createHash('sha256').update(b).digest());
let ref = 1;
const answer = (c: TestClient, r: number): Promise<Frame> => c.next((f) => 'ref' in f && f.ref === r && f.type !== FrameType.BlobWrite);

async function write(c: TestClient, id: Uint8Array, size: number, offset: number, data: Uint8Array, kind: BlobKind = BlobKind.Attachment): Promise<Frame> {
  const r = ref++;
  c.send({ type: FrameType.BlobWrite, ref: r, id, kind, size, offset, data });
  return answer(c, r);
}

/** Uploads `data` in parts of `part` bytes; resolves with the last answer. */
async function upload(c: TestClient, data: Uint8Array, part = 1000, kind: BlobKind = BlobKind.Attachment, id = sha(data)): Promise<Frame> {
  let last: Frame | undefined;
  for (let at = 0; at < data.length; at += part) {
    last = await write(c, id, data.length, at, data.subarray(at, at + part), kind);
    if (last.type !== FrameType.BlobWritten || last.stored) return last;
  }
  return last!;
}

async function read(c: TestClient, id: Uint8Array, offset: number, length: number): Promise<Frame> {
  const r = ref++;
  c.send({ type: FrameType.BlobRead, ref: r, id, offset, length });
  return answer(c, r);
}

async function readAll(c: TestClient, id: Uint8Array, part = 700): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let at = 0;
  for (;;) {
    const f = (await read(c, id, at, part)) as BlobDataFrame;
    if (f.type !== FrameType.BlobData) throw new Error(`read refused: ${JSON.stringify(f)}`);
    chunks.push(f.data);
    at += f.data.length;
    if (at >= f.size) break;
  }
  return new Uint8Array(Buffer.concat(chunks));
}

async function request(c: TestClient, frame: Record<string, unknown> & { type: number }): Promise<Frame> {
  const r = ref++;
  c.send({ ...frame, ref: r } as unknown as Frame);
  return answer(c, r);
}

async function stranger(relay: TestRelay, m: Member): Promise<TestClient> {
  const client = await h.connect(relay);
  expect((await client.hello(testKey(), m.workspace)).type).toBe(FrameType.Welcome);
  return client;
}

describe('relay stored blobs', () => {
  it('stores a blob sent in parts and gives it back in parts to another member', async () => {
    const relay = await h.start();
    const a = await h.member(relay);
    const b = await h.member(relay, a.workspace);
    const data = new Uint8Array(randomBytes(4500));
    const id = sha(data);
    expect(await write(a.client, id, data.length, 0, data.subarray(0, 1000))).toMatchObject({ type: FrameType.BlobWritten, received: 1000, stored: false });
    // A part at the wrong offset is not taken: the answer says where the relay stands.
    expect(await write(a.client, id, data.length, 3000, data.subarray(3000, 4000))).toMatchObject({ received: 1000, stored: false });
    expect(await upload(a.client, data.subarray(0), 1000)).toMatchObject({ type: FrameType.BlobWritten, received: 4500, stored: true });
    expect(await readAll(b.client, id)).toEqual(data);
    expect(await read(b.client, id, 4000, 10_000)).toMatchObject({ type: FrameType.BlobData, kind: BlobKind.Attachment, size: 4500, offset: 4000, data: data.subarray(4000) });
    // Uploading it again costs one frame: the relay already holds it.
    expect(await write(b.client, id, data.length, 0, data.subarray(0, 10))).toMatchObject({ received: 4500, stored: true });
    expect((await relay.store.workspaceUsage(a.workspace)).bytes).toBe(4500);
  });

  it('resumes an upload on a new connection from offset 0 without losing anything', async () => {
    const relay = await h.start();
    const a = await h.member(relay);
    const data = new Uint8Array(randomBytes(3000));
    const id = sha(data);
    await write(a.client, id, data.length, 0, data.subarray(0, 1000));
    await a.client.close();
    const again = await h.member(relay, a.workspace, a.device);
    expect(await write(again.client, id, data.length, 1000, data.subarray(1000, 2000))).toMatchObject({ received: 0, stored: false });
    expect(await upload(again.client, data)).toMatchObject({ stored: true });
    expect(await readAll(again.client, id)).toEqual(data);
  });

  it('holds an unfinished upload in memory only until its connection ends', async () => {
    const relay = await h.start();
    const a = await h.member(relay);
    const gauge = async (): Promise<number> => {
      const text = await (await fetch(`${relay.url}/metrics`)).text();
      return Number(/^tendril_relay_blob_upload_bytes (\d+)$/m.exec(text)?.[1] ?? NaN);
    };
    const data = new Uint8Array(randomBytes(3000));
    await write(a.client, sha(data), data.length, 0, data.subarray(0, 1200));
    expect(await gauge()).toBe(1200);
    await a.client.close();
    await waitFor(async () => (await gauge()) === 0, 'the upload to be dropped');
  });

  it('refuses bytes that do not hash to the id, and stores nothing', async () => {
    const relay = await h.start();
    const a = await h.member(relay);
    const data = new Uint8Array(randomBytes(2000));
    const forged = sha(new Uint8Array([1, 2, 3]));
    expect(await upload(a.client, data, 1000, BlobKind.Attachment, forged)).toMatchObject({ type: FrameType.Error, code: 'E_BLOB_HASH' });
    expect(await read(a.client, forged, 0, 10)).toMatchObject({ type: FrameType.Error, code: 'E_BLOB_NOT_FOUND' });
    expect((await relay.store.workspaceUsage(a.workspace)).bytes).toBe(0);
  });

  it('refuses a stranger and a visitor everything', async () => {
    const relay = await h.start();
    const a = await h.member(relay);
    const data = new Uint8Array(randomBytes(100));
    expect(await upload(a.client, data)).toMatchObject({ stored: true });
    const s = await stranger(relay, a);
    expect(await upload(s, new Uint8Array(randomBytes(50)))).toMatchObject({ code: 'E_NOT_MEMBER' });
    expect(await read(s, sha(data), 0, 100)).toMatchObject({ code: 'E_NOT_MEMBER' });
    expect(await request(s, { type: FrameType.BlobHas, ids: [sha(data)] })).toMatchObject({ code: 'E_NOT_MEMBER' });
    expect(await request(s, { type: FrameType.BlobList, kind: BlobKind.Attachment, after: new Uint8Array(0), limit: 10 })).toMatchObject({ code: 'E_NOT_MEMBER' });
    expect(await request(s, { type: FrameType.BlobDelete, id: sha(data) })).toMatchObject({ code: 'E_NOT_MEMBER' });

    const link = await registerLink(a.client);
    const visitor = await h.connect(relay);
    expect((await guestHello(visitor, link, testKey(), link.code)).type).toBe(FrameType.Welcome);
    expect(await upload(visitor, new Uint8Array(randomBytes(50)))).toMatchObject({ code: 'E_FORBIDDEN' });
    expect(await read(visitor, sha(data), 0, 100)).toMatchObject({ code: 'E_FORBIDDEN' });
    expect(await request(visitor, { type: FrameType.BlobHas, ids: [sha(data)] })).toMatchObject({ code: 'E_FORBIDDEN' });
    expect((await relay.store.workspaceUsage(a.workspace)).bytes).toBe(100);
  });

  it('refuses a blob over the size cap and one past the workspace quota, with clear errors', async () => {
    const relay = await h.start({ limits: { maxStoredBlobBytes: 5000, maxStoredBytesPerWorkspace: 8000 } });
    const a = await h.member(relay);
    const big = new Uint8Array(5001);
    expect(await write(a.client, sha(big), big.length, 0, big.subarray(0, 100))).toMatchObject({ code: 'E_BLOB_TOO_LARGE' });
    expect(await upload(a.client, new Uint8Array(randomBytes(5000)))).toMatchObject({ stored: true });
    const over = await upload(a.client, new Uint8Array(randomBytes(4000)));
    expect(over).toMatchObject({ type: FrameType.Error, code: 'E_QUOTA_EXCEEDED' });
    expect((over as { message: string }).message).toMatch(/at most 8000 bytes/);
    expect((await relay.store.workspaceUsage(a.workspace)).bytes).toBe(5000);
  });

  it('answers has for many ids and lists one kind in pages', async () => {
    const relay = await h.start();
    const a = await h.member(relay);
    const manifests: Uint8Array[] = [];
    for (let i = 0; i < 3; i++) {
      const m = new Uint8Array(randomBytes(40 + i));
      manifests.push(sha(m));
      await upload(a.client, m, 1000, BlobKind.BackupManifest);
    }
    const chunk = new Uint8Array(randomBytes(60));
    await upload(a.client, chunk, 1000, BlobKind.BackupChunk);
    const missing = sha(new Uint8Array([0]));
    expect(await request(a.client, { type: FrameType.BlobHas, ids: [manifests[0], missing, sha(chunk)] })).toMatchObject({ type: FrameType.BlobHave, present: [true, false, true] });
    const first = await request(a.client, { type: FrameType.BlobList, kind: BlobKind.BackupManifest, after: new Uint8Array(0), limit: 2 });
    expect(first).toMatchObject({ type: FrameType.BlobListing, more: true });
    const items = (first as { items: { id: Uint8Array }[] }).items;
    const second = await request(a.client, { type: FrameType.BlobList, kind: BlobKind.BackupManifest, after: items[1]!.id, limit: 2 });
    expect(second).toMatchObject({ more: false });
    const all = [...items, ...(second as { items: { id: Uint8Array; size: number }[] }).items];
    const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
    expect(all.map((i) => hex(i.id))).toEqual(manifests.map(hex).sort());
  });

  it('lets an admin or the storing device delete a blob, not another plain member', async () => {
    const relay = await h.start();
    const admin = await h.member(relay);
    const owner = await h.member(relay, admin.workspace);
    const plain = await h.member(relay, admin.workspace);
    const backup = new Uint8Array(randomBytes(300));
    const other = new Uint8Array(randomBytes(200));
    await upload(owner.client, backup, 1000, BlobKind.BackupManifest);
    await upload(owner.client, other, 1000, BlobKind.BackupChunk);
    expect(await request(plain.client, { type: FrameType.BlobDelete, id: sha(backup) })).toMatchObject({ type: FrameType.Error, code: 'E_FORBIDDEN' });
    expect(await readAll(plain.client, sha(backup))).toEqual(backup);
    expect(await request(owner.client, { type: FrameType.BlobDelete, id: sha(backup) })).toMatchObject({ type: FrameType.BlobDeleted, existed: true });
    expect(await request(admin.client, { type: FrameType.BlobDelete, id: sha(other) })).toMatchObject({ type: FrameType.BlobDeleted, existed: true });
    expect(await request(admin.client, { type: FrameType.BlobDelete, id: sha(other) })).toMatchObject({ type: FrameType.BlobDeleted, existed: false });
    expect(await read(plain.client, sha(backup), 0, 10)).toMatchObject({ code: 'E_BLOB_NOT_FOUND' });
    expect((await relay.store.workspaceUsage(admin.workspace)).bytes).toBe(0);
  });

  const persistent: [string, () => Promise<() => Promise<RelayStore>>][] = [
    ['sqlite', async () => {
      const path = join(dirs.make(), 'relay.sqlite');
      return async () => openSqliteStore({ path });
    }],
    ['redis', async () => {
      const prefix = `t${randomBytes(6).toString('hex')}`;
      return () => openRedisStore({ url: redis.url, prefix });
    }],
  ];
  for (const [name, makeOpener] of persistent) {
    it(`keeps stored blobs across a relay restart (${name})`, async () => {
      const open = await makeOpener();
      const first = await h.start({ store: await open() });
      const a = await h.member(first);
      const data = new Uint8Array(randomBytes(2500));
      expect(await upload(a.client, data, 1000, BlobKind.BackupChunk)).toMatchObject({ stored: true });
      await a.client.close();
      await first.relay.close();
      const second = await h.start({ store: await open() });
      const again = await h.member(second, a.workspace, a.device);
      expect(await readAll(again.client, sha(data))).toEqual(data);
      expect(await request(again.client, { type: FrameType.BlobList, kind: BlobKind.BackupChunk, after: new Uint8Array(0), limit: 10 })).toMatchObject({
        items: [{ id: sha(data), size: 2500 }],
      });
    });
  }
});
