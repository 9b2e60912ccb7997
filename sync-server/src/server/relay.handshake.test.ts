/** Integration: challenge, hello, workspace registration, the access-code gate and revoked devices. */
import { afterEach, describe, expect, it } from 'vitest';
import { newWorkspaceId } from '@tendril/crdt-schema/ids';
import { encodeFrame, FrameType, helloProofBytes, PROTOCOL_VERSION, type ErrorFrame } from '@tendril/crdt-schema/wire';
import { relayHarness } from '../testing/harness.ts';
import { testKey } from '../testing/keys.ts';

const h = relayHarness();
afterEach(() => h.cleanup());

describe('relay handshake', () => {
  it('challenges each connection with a fresh 32-byte nonce', async () => {
    const relay = await h.start();
    const [a, b] = [await h.connect(relay), await h.connect(relay)];
    expect(a.challenge.version).toBe(PROTOCOL_VERSION);
    expect(a.challenge.nonce).toHaveLength(32);
    expect(Buffer.from(a.challenge.nonce).equals(Buffer.from(b.challenge.nonce))).toBe(false);
  });

  it('registers a new workspace with its admins, then welcomes other devices without register', async () => {
    const relay = await h.start({ limits: { maxFrameBytes: 4096 } });
    const ws = newWorkspaceId();
    const admin = testKey();
    const first = await h.connect(relay);
    const welcome = await first.hello(admin, ws, { register: [admin.publicKey] });
    expect(welcome).toMatchObject({ type: FrameType.Welcome, version: PROTOCOL_VERSION, maxFrameBytes: 4096 });
    expect((await relay.store.getWorkspace(ws))?.admins).toEqual([admin.publicKey]);
    const other = await h.connect(relay);
    expect((await other.hello(testKey(), ws)).type).toBe(FrameType.Welcome);
  });

  it("tells the authenticated device its own address as the relay sees it, and only after the hello proof", async () => {
    const relay = await h.start();
    const ws = newWorkspaceId();
    const admin = testKey();
    const c = await h.connect(relay);
    const welcome = await c.hello(admin, ws, { register: [admin.publicKey] });
    expect(welcome.type).toBe(FrameType.Welcome);
    expect((welcome as { address: string }).address).toMatch(/^(::ffff:)?127\.0\.0\.1$|^::1$/);
    const stranger = await h.connect(relay);
    const refused = await stranger.hello(testKey(), newWorkspaceId());
    expect(refused.type).toBe(FrameType.Error);
    expect(JSON.stringify(refused)).not.toContain('127.0.0.1');
  });

  it('refuses an unknown workspace without register', async () => {
    const relay = await h.start();
    const c = await h.connect(relay);
    const answer = (await c.hello(testKey(), newWorkspaceId())) as ErrorFrame;
    expect(answer).toMatchObject({ code: 'E_UNKNOWN_WORKSPACE', fatal: true });
    await c.closed;
  });

  it('refuses a hello whose proof does not verify (signed over another nonce)', async () => {
    const relay = await h.start();
    const c = await h.connect(relay);
    c.challenge = { ...c.challenge, nonce: new Uint8Array(32) };
    const device = testKey();
    const answer = (await c.hello(device, newWorkspaceId(), { register: [device.publicKey] })) as ErrorFrame;
    expect(answer).toMatchObject({ code: 'E_AUTH_FAILED', fatal: true });
    expect((await c.closed).code).toBe(1008);
  });

  it('refuses a non-canonical spelling of a device id (same key, different padding bits)', async () => {
    const relay = await h.start();
    const m = await h.member(relay);
    const device = testKey();
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const last = alphabet.indexOf(device.id.at(-1)!);
    const alias = (device.id.slice(0, -1) + alphabet[last ^ 1]) as typeof device.id;
    const c = await h.connect(relay);
    // The codec refuses to write a non-canonical id, so patch the id's last character in the bytes.
    const bytes = encodeFrame({
      type: FrameType.Hello, version: PROTOCOL_VERSION, workspace: m.workspace, device: device.id,
      proof: device.sign(helloProofBytes(c.challenge.nonce, m.workspace, device.publicKey)), client: 'alias', accessCode: '',
    });
    const at = Buffer.from(bytes).indexOf(Buffer.from(device.id)) + device.id.length - 1;
    bytes[at] = alias.charCodeAt(alias.length - 1);
    c.sendRaw(bytes);
    expect(await c.nextError('E_FRAME_MALFORMED')).toMatchObject({ fatal: true });
  });

  it('gates workspace registration behind the operator access code', async () => {
    const relay = await h.start({ accessCode: 'open sesame' });
    const device = testKey();
    const ws = newWorkspaceId();
    for (const code of [undefined, 'open sesam', 'open sesame!']) {
      const c = await h.connect(relay);
      expect(await c.hello(device, ws, { register: [device.publicKey], accessCode: code })).toMatchObject({ code: 'E_ACCESS_CODE' });
      await c.closed;
    }
    expect(await relay.store.getWorkspace(ws)).toBeUndefined();
    const ok = await h.connect(relay);
    expect((await ok.hello(device, ws, { register: [device.publicKey], accessCode: 'open sesame' })).type).toBe(FrameType.Welcome);
    // Joining an existing workspace needs no code.
    const joiner = await h.connect(relay);
    expect((await joiner.hello(testKey(), ws)).type).toBe(FrameType.Welcome);
  });

  it('refuses any frame before the hello with E_AUTH_REQUIRED, and still takes the hello', async () => {
    const relay = await h.start();
    const c = await h.connect(relay);
    c.send({ type: FrameType.BlobTake, ref: 5, key: 'k' });
    expect(await c.nextError('E_AUTH_REQUIRED')).toMatchObject({ fatal: false, ref: 5 });
    const device = testKey();
    expect((await c.hello(device, newWorkspaceId(), { register: [device.publicKey] })).type).toBe(FrameType.Welcome);
  });

  it('refuses a second hello on the same connection without closing it', async () => {
    const relay = await h.start();
    const m = await h.member(relay);
    await m.client.hello(m.device, m.workspace);
    expect(m.client.inbox.length).toBe(0);
    expect(m.client.received.at(-1)).toMatchObject({ type: FrameType.Error, code: 'E_BAD_INPUT', fatal: false });
    expect(m.client.isOpen).toBe(true);
  });
});
