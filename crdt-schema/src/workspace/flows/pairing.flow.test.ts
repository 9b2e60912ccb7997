import { describe, expect, it } from 'vitest';
import { createInvite, pairingCode } from '../../crypto/invite.ts';
import { parseInviteLink } from '../../crypto/invite-link.ts';
import { inviteBlobKey, openInvitePayload, payloadNeedsRelease } from '../../crypto/invite-payload.ts';
import { generateDeviceIdentity, type DeviceIdentity } from '../../crypto/keys.ts';
import { loadCrypto } from '../../crypto/load.ts';
import { pairingAnswerBlobKey, pairingRequestBlobKey, sealPairingAnswer, sealPairingRequest } from '../../crypto/pairing.ts';
import { secret } from '../../crypto/secret.ts';
import { newWorkspaceId } from '../../ids.ts';
import { codeOf } from '../../testkit/error-code.ts';
import { awaitPairingRequest } from './pair-inviter.ts';
import { requestRelease } from './pair-joiner.ts';
import type { BlobRelay } from './poll-blob.ts';

const crypto = await loadCrypto();
const admin = generateDeviceIdentity(crypto);
const workspace = newWorkspaceId();
const NOW = 1_800_000_000_000;
const HOUR = 3600_000;
const PAYLOAD = { workspace: { id: workspace, name: 'Lab' }, lockboxes: [], info: { docs: 'x' } };

/** The relay's blob mailbox: put replaces, take deletes. `onPut` lets a test play a dishonest relay. */
class MemoryBlobs implements BlobRelay {
  readonly blobs = new Map<string, Uint8Array>();
  readonly puts: string[] = [];
  constructor(private readonly onPut: (key: string, data: Uint8Array) => Uint8Array = (_k, d) => d) {}
  async putBlob(key: string, data: Uint8Array): Promise<void> {
    this.puts.push(key);
    this.blobs.set(key, this.onPut(key, data));
  }
  async takeBlob(key: string): Promise<Uint8Array | null> {
    const b = this.blobs.get(key) ?? null;
    this.blobs.delete(key);
    return b;
  }
}

/** Polling that yields to the event loop instead of waiting: `timeoutMs` counts polls. */
const fast = { everyMs: 1, sleep: () => new Promise<void>((r) => setImmediate(r)) };

function setUp(relay: MemoryBlobs) {
  const invite = createInvite(crypto, { issuer: admin, workspace, role: 'device', now: NOW, ttlMs: HOUR, relayUrl: 'wss://relay.example/ws', relayHttpUrl: 'https://relay.example/', confirm: true });
  relay.blobs.set(invite.blobKey, invite.sealPayload(PAYLOAD));
  const link = parseInviteLink(invite.link.expose());
  return { invite, link };
}

/** A joining device: takes the key blob, then asks for the release (as redeemInvite does). */
async function join(relay: MemoryBlobs, link: ReturnType<typeof parseInviteLink>, identity: DeviceIdentity, polls = 200) {
  const blob = await relay.takeBlob(inviteBlobKey(crypto, link.secret));
  if (!blob) throw new Error('no key blob');
  expect(payloadNeedsRelease(blob)).toBe(true);
  const release = await requestRelease(crypto, relay, link, identity, { ...fast, now: NOW, timeoutMs: polls });
  return openInvitePayload(crypto, link.secret, link.tokenBytes, blob, release);
}

describe('confirmed pairing', () => {
  it('releases the keys only after the inviter confirms the code both devices show', async () => {
    const relay = new MemoryBlobs();
    const { invite, link } = setUp(relay);
    const joiner = generateDeviceIdentity(crypto);
    // The link alone does not open the parked keys.
    const parked = relay.blobs.get(invite.blobKey)!;
    expect(codeOf(() => openInvitePayload(crypto, link.secret, link.tokenBytes, parked))).toBe('E_INVITE_INVALID');
    expect(codeOf(() => openInvitePayload(crypto, link.secret, link.tokenBytes, parked, secret(crypto.randomBytes(32))))).toBe('E_INVITE_INVALID');
    expect(invite.link.expose()).not.toContain(Buffer.from(invite.release!.expose()).toString('base64url'));

    const joined = join(relay, link, joiner);
    const pending = await awaitPairingRequest(crypto, relay, invite, { ...fast, now: () => NOW });
    expect(pending.device).toBe(joiner.deviceId);
    expect(pending.code).toBe(pairingCode(crypto, link.secret, admin.deviceId, joiner.deviceId));
    await pending.confirm();
    expect((await joined).workspace).toEqual(PAYLOAD.workspace);
    await expect(pending.reject()).rejects.toMatchObject({ code: 'E_BAD_INPUT' });
  });

  it('tells the joiner it was rejected, and releases nothing', async () => {
    const relay = new MemoryBlobs();
    const { invite, link } = setUp(relay);
    const joiner = generateDeviceIdentity(crypto);
    const joined = join(relay, link, joiner);
    const pending = await awaitPairingRequest(crypto, relay, invite, { ...fast, now: () => NOW });
    await pending.reject();
    await expect(joined).rejects.toMatchObject({ code: 'E_PAIRING_REJECTED' });
    await expect(pending.confirm()).rejects.toMatchObject({ code: 'E_BAD_INPUT' });
    expect(relay.blobs.size).toBe(0);
  });

  it('times out on the joiner when no one answers, and expires on the inviter when no one asks', async () => {
    const relay = new MemoryBlobs();
    const { link } = setUp(relay);
    await expect(join(relay, link, generateDeviceIdentity(crypto), 5)).rejects.toMatchObject({ code: 'E_TIMEOUT' });
    const idle = setUp(new MemoryBlobs()).invite;
    await expect(awaitPairingRequest(crypto, new MemoryBlobs(), idle, { ...fast, now: () => NOW + HOUR })).rejects.toMatchObject({ code: 'E_INVITE_EXPIRED' });
    const cancelled = new AbortController();
    cancelled.abort();
    await expect(awaitPairingRequest(crypto, new MemoryBlobs(), idle, { ...fast, now: () => NOW, signal: cancelled.signal })).rejects.toMatchObject({ code: 'E_PAIRING_REJECTED' });
    // A confirmation after the invite expired releases nothing.
    let t = NOW;
    const again = new MemoryBlobs();
    const late = setUp(again).invite;
    await again.putBlob(pairingRequestBlobKey(crypto, late.secret), sealPairingRequest(crypto, late.secret, late.tokenBytes, generateDeviceIdentity(crypto)));
    const pending = await awaitPairingRequest(crypto, again, late, { ...fast, now: () => t });
    t = NOW + HOUR;
    await expect(pending.confirm()).rejects.toMatchObject({ code: 'E_INVITE_EXPIRED' });
    expect([...again.blobs.keys()]).toEqual([late.blobKey]);
  });

  it('ignores a request the relay swapped or forged, and shows another code for a request from another device', async () => {
    const joiner = generateDeviceIdentity(crypto);
    const other = generateDeviceIdentity(crypto);
    let requestKey = '';
    let swap: (data: Uint8Array) => Uint8Array = (d) => d;
    const relay = new MemoryBlobs((key, data) => (key === requestKey ? swap(data) : data));
    const { invite, link } = setUp(relay);
    requestKey = pairingRequestBlobKey(crypto, link.secret);
    const ask = { ...fast, now: () => NOW, timeoutMs: 20 };

    // A flipped byte, or a request made under another invite's secret: not a request at all.
    swap = (d) => d.map((b, i) => (i === 40 ? b ^ 1 : b));
    void join(relay, link, joiner, 5).catch(() => {});
    await expect(awaitPairingRequest(crypto, relay, { ...invite, token: { ...invite.token, expiresAt: NOW + 10 } }, ask)).rejects.toMatchObject({ code: 'E_INVITE_EXPIRED' });
    const stranger = createInvite(crypto, { issuer: admin, workspace, role: 'device', now: NOW, ttlMs: HOUR, relayUrl: 'wss://relay.example/ws', relayHttpUrl: 'https://relay.example/', confirm: true });
    swap = () => sealPairingRequest(crypto, stranger.secret, invite.tokenBytes, other);
    relay.blobs.set(invite.blobKey, invite.sealPayload(PAYLOAD));
    void join(relay, link, joiner, 5).catch(() => {});
    await expect(awaitPairingRequest(crypto, relay, { ...invite, token: { ...invite.token, expiresAt: NOW + 10 } }, ask)).rejects.toMatchObject({ code: 'E_INVITE_EXPIRED' });

    // Someone holding the link names the joiner's device id with their own box key: the signature fails.
    swap = () => sealPairingRequest(crypto, link.secret, link.tokenBytes, { ...other, deviceId: joiner.deviceId, signPublicKey: joiner.signPublicKey });
    relay.blobs.set(invite.blobKey, invite.sealPayload(PAYLOAD));
    void join(relay, link, joiner, 5).catch(() => {});
    await expect(awaitPairingRequest(crypto, relay, { ...invite, token: { ...invite.token, expiresAt: NOW + 10 } }, ask)).rejects.toMatchObject({ code: 'E_INVITE_EXPIRED' });

    // Their own complete request opens, but its code is not the one the joiner shows: a person rejects it.
    swap = () => sealPairingRequest(crypto, link.secret, link.tokenBytes, other);
    relay.blobs.set(invite.blobKey, invite.sealPayload(PAYLOAD));
    const joined = join(relay, link, joiner, 200);
    const pending = await awaitPairingRequest(crypto, relay, invite, ask);
    expect(pending.device).toBe(other.deviceId);
    expect(pending.code).not.toBe(pairingCode(crypto, link.secret, admin.deviceId, joiner.deviceId));
    await pending.reject();
    // The joiner hears nothing (the answer went to the other device) and times out.
    await expect(joined).rejects.toMatchObject({ code: 'E_TIMEOUT' });
  });

  it('ignores a forged answer and keeps waiting for the real one', async () => {
    const relay = new MemoryBlobs();
    const { invite, link } = setUp(relay);
    const joiner = generateDeviceIdentity(crypto);
    const answerKey = pairingAnswerBlobKey(crypto, link.secret, joiner.deviceId);
    // Sealed to the joiner but under another secret: the relay cannot fake a rejection.
    await relay.putBlob(answerKey, sealPairingAnswer(crypto, secret(crypto.randomBytes(32)), link.tokenBytes, { device: joiner.deviceId, boxPublicKey: joiner.boxPublicKey, name: '' }, { rejected: true }));
    const joined = join(relay, link, joiner);
    const pending = await awaitPairingRequest(crypto, relay, invite, { ...fast, now: () => NOW });
    await pending.confirm();
    expect((await joined).info).toEqual(PAYLOAD.info);
  });

  it('considers one request only: a second device with the link gets no keys', async () => {
    const relay = new MemoryBlobs();
    const { invite, link } = setUp(relay);
    const first = generateDeviceIdentity(crypto);
    const joined = join(relay, link, first);
    const pending = await awaitPairingRequest(crypto, relay, invite, { ...fast, now: () => NOW });
    // The key blob is gone: a second device finds nothing to take.
    expect(await relay.takeBlob(invite.blobKey)).toBeNull();
    // Even asking for a release gets no answer: the inviter no longer reads requests.
    const second = requestRelease(crypto, relay, link, generateDeviceIdentity(crypto), { ...fast, now: NOW, timeoutMs: 20 });
    await pending.confirm();
    await joined;
    await expect(second).rejects.toMatchObject({ code: 'E_TIMEOUT' });
  });

  it('leaves offline invites as they were: no release secret, a payload the link alone opens', async () => {
    const invite = createInvite(crypto, { issuer: admin, workspace, role: 'device', now: NOW, ttlMs: HOUR, relayUrl: 'wss://relay.example/ws', relayHttpUrl: 'https://relay.example/' });
    expect(invite.release).toBeNull();
    const blob = invite.sealPayload(PAYLOAD);
    expect(blob[0]).toBe(1);
    expect(payloadNeedsRelease(blob)).toBe(false);
    expect(openInvitePayload(crypto, invite.secret, invite.tokenBytes, blob).workspace).toEqual(PAYLOAD.workspace);
    expect(codeOf(() => openInvitePayload(crypto, invite.secret, invite.tokenBytes, blob, secret(crypto.randomBytes(32))))).toBe('E_INVITE_INVALID');
    await expect(awaitPairingRequest(crypto, new MemoryBlobs(), invite, { ...fast, now: () => NOW })).rejects.toMatchObject({ code: 'E_BAD_INPUT' });
  });
});
