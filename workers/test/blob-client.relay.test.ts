/**
 * The BlobClient over a real RelayClient connection to an in-process relay: put and get in parts
 * with progress, has, list and delete; an upload cut by a dropped connection starts again and
 * completes; a get checks the bytes against the id.
 */
import { generateKeyPairSync, randomBytes, sign as edSign } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { BlobClient, blobIdHex, blobIdOf } from '@tendril/crdt-schema/blobs';
import { loadCrypto, createDocKeys } from '@tendril/crdt-schema/crypto';
import { deriveDocKeys } from '@tendril/crdt-schema/keyring';
import { AttachmentStore, memoryBlobCache } from '@tendril/crdt-schema/workspace';
import { containsBytes } from '@tendril/crdt-schema/wire';
import { newChatId, newDocId } from '@tendril/crdt-schema/ids';
import { RelayClient, type DeviceSigner, type WebSocketConstructor } from '@tendril/crdt-schema/sync';
import { BlobKind, FrameType } from '@tendril/crdt-schema/wire';
import { deviceIdFromPublicKey, newWorkspaceId, type WorkspaceId } from '@tendril/crdt-schema/ids';
import { createMemoryStore, createRelay, type Relay, type RelayLimits } from '@tendril/sync-server';

const relays: Relay[] = [];
const stores: ReturnType<typeof createMemoryStore>[] = [];
const clients: RelayClient[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.destroy();
  await Promise.all(relays.splice(0).map((r) => r.close()));
});

interface TestRelay {
  readonly url: string;
  readonly workspace: WorkspaceId;
  readonly admin: DeviceSigner;
}

function device(): DeviceSigner {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const raw = new Uint8Array(publicKey.export({ format: 'der', type: 'spki' }).subarray(12));
  return { id: deviceIdFromPublicKey(raw), publicKey: raw, sign: (m) => new Uint8Array(edSign(null, m, privateKey)) };
}

/** A relay on port 0 with one workspace whose admin device is `admin`. */
async function start(limits: Partial<RelayLimits> = {}): Promise<TestRelay> {
  const store = createMemoryStore();
  stores.push(store);
  const admin = device();
  const workspace = newWorkspaceId();
  await store.createWorkspace(workspace, [admin.publicKey], Date.now());
  const relay = createRelay({ store, limits });
  relays.push(relay);
  const { url } = await relay.listen(0, '127.0.0.1');
  return { url, workspace, admin };
}

async function connect(relay: TestRelay): Promise<RelayClient> {
  const client = new RelayClient({
    url: `${relay.url.replace(/^http/, 'ws')}/sync`,
    workspace: relay.workspace,
    device: relay.admin,
    WebSocket: WebSocket as unknown as WebSocketConstructor,
    clientName: 'blob-client-test',
  });
  clients.push(client);
  client.connect();
  await client.whenOpen();
  return client;
}

describe('BlobClient through the relay', () => {
  it('puts and gets a blob in parts with progress, answers has, lists a kind and deletes', async () => {
    const relay = await start({ maxFrameBytes: 64 * 1024 });
    const client = new BlobClient(await connect(relay), { partBytes: 10_000 });
    const data = new Uint8Array(randomBytes(55_000));
    const progress: number[] = [];
    const id = await client.put(data, BlobKind.BackupChunk, (done) => progress.push(done));
    expect(id).toBe(blobIdHex(await blobIdOf(data)));
    expect(progress).toEqual([10_000, 20_000, 30_000, 40_000, 50_000, 55_000]);
    const got: number[] = [];
    expect(await client.get(id, (done) => got.push(done))).toEqual(data);
    expect(got.at(-1)).toBe(55_000);
    expect(got.length).toBeGreaterThan(1);
    const manifest = await client.put(new Uint8Array([1, 2, 3]), BlobKind.BackupManifest);
    const absent = blobIdHex(await blobIdOf(new Uint8Array([9])));
    expect(await client.has([id, absent, manifest])).toEqual([true, false, true]);
    expect(await client.list(BlobKind.BackupManifest)).toEqual([{ id: manifest, size: 3, storedAt: expect.any(Number) }]);
    expect(await client.delete(manifest)).toBe(true);
    expect(await client.list(BlobKind.BackupManifest)).toEqual([]);
    await expect(client.get(manifest)).rejects.toMatchObject({ code: 'E_BLOB_NOT_FOUND' });
  });

  it('queues concurrent puts, so more files than the relay takes at once on one connection all arrive', async () => {
    const relay = await start({ maxFrameBytes: 16 * 1024, maxBlobUploadsPerConnection: 1 });
    const client = new BlobClient(await connect(relay), { partBytes: 4_000 });
    const files = Array.from({ length: 6 }, () => new Uint8Array(randomBytes(10_000)));
    const ids = await Promise.all(files.map((f) => client.put(f, BlobKind.Attachment)));
    for (const [i, id] of ids.entries()) expect(await client.get(id)).toEqual(files[i]);
  });

  it('starts an upload again after the connection drops mid-way, and completes it', async () => {
    const relay = await start({ maxFrameBytes: 64 * 1024 });
    const relayClient = await connect(relay);
    const client = new BlobClient(relayClient, { partBytes: 8_000 });
    const data = new Uint8Array(randomBytes(40_000));
    let dropped = false;
    const id = await client.put(data, BlobKind.Attachment, (done) => {
      if (!dropped && done >= 16_000) {
        dropped = true;
        relayClient.reconnect();
      }
    });
    expect(dropped).toBe(true);
    const reader = new BlobClient(await connect(relay));
    expect(await reader.get(id)).toEqual(data);
  });

  it('refuses a relay answer whose bytes do not match the id', async () => {
    const relay = await start();
    const relayClient = await connect(relay);
    const id = await new BlobClient(relayClient).put(new Uint8Array([5, 6, 7]), BlobKind.Attachment);
    // A transport that alters the data of every BlobData answer, as a hostile relay could.
    const lying = {
      frameLimit: relayClient.frameLimit,
      request: async (make: Parameters<RelayClient['request']>[0]) => {
        const f = await relayClient.request(make);
        return f.type === FrameType.BlobData ? { ...f, data: f.data.map((b) => b ^ 1) } : f;
      },
    };
    await expect(new BlobClient(lying, { retries: 0 }).get(id)).rejects.toMatchObject({ code: 'E_DECRYPT_FAILED' });
  });

  it('seals an attachment under the chat keys, stores only ciphertext, and opens it on another device', async () => {
    const crypto = await loadCrypto();
    const relay = await start();
    const chat = newChatId();
    const keys = deriveDocKeys(crypto, createDocKeys(crypto, newDocId()), newDocId());
    const canary = new TextEncoder().encode('CANARY-attachment-relay-9b1e');
    const writer = new AttachmentStore({ crypto, blobs: new BlobClient(await connect(relay)), keysFor: () => keys });
    const ref = await writer.upload(chat, { name: 'notes.txt', mime: 'text/plain', bytes: canary });
    expect(ref).toMatchObject({ name: 'notes.txt', mime: 'text/plain', size: canary.length });
    const store = stores.at(-1)!;
    const held = await store.readStoredBlob(relay.workspace, ref.blob, 0, 1 << 20);
    expect(held!.length).toBeGreaterThan(canary.length);
    expect(containsBytes(held!, canary)).toBe(false);
    const reader = new AttachmentStore({ crypto, blobs: new BlobClient(await connect(relay)), keysFor: () => keys, cache: memoryBlobCache() });
    expect(await reader.open(chat, ref)).toEqual(canary);
    await expect(writer.upload(chat, { name: 'huge.png', mime: 'image/png', bytes: new Uint8Array(10 * 1024 * 1024 + 1) })).rejects.toMatchObject({ code: 'E_BAD_INPUT', message: expect.stringContaining('at most 10 MB') });
  });
});
