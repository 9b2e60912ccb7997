/**
 * A protocol transcript of one device writing through the real relay, read
 * as a readable log (`device -> relay | ENVELOPE doc=... ref=1 bytes=...`):
 * the handshake and subscription come first, every change goes up as an
 * envelope and comes back as an ack, and nothing relay-bound contains the
 * plaintext.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { relayFixture } from './harness.ts';
import { startMitm, type MitmRelay } from './mitm-relay.ts';
import { makeWorkspace } from './peers.ts';

const CANARY = 'transcript-canary-93c1';

describe('protocol transcript', () => {
  const env = relayFixture('transcript', { beforeAll, afterAll });
  let mitm: MitmRelay;
  beforeAll(async () => {
    mitm = await startMitm(env.relay.url);
  });
  afterAll(async () => {
    await mitm?.close();
  });

  it('shows handshake, subscription, envelope and ack, and no plaintext to the relay', async () => {
    const ws = await makeWorkspace(env.dir, env.relay.url, 0);
    const device = await ws.open(0, { relay: mitm.url });
    const { chat } = await device.openChat(ws.chat);
    expect(await device.syncOrQueue(10_000)).toBe('synced');
    const before = mitm.transcript.lines().length;
    chat.addMessage({ author: device.home.identity.deviceId, role: 'user', content: `hello ${CANARY}` });
    expect(await device.syncOrQueue(10_000)).toBe('synced');
    await device.close();

    const all = mitm.transcript.lines().map((l) => l.replace(/=[A-Za-z0-9_-]{6}\b/g, '=<id>').replace(/bytes=\d+/, 'bytes=<n>'));
    const kinds = all.map((l) => l.split(' | ')[0] + ' | ' + l.split(' | ')[1]!.split(' ')[0]);
    expect(kinds.slice(0, 3)).toEqual(['relay -> device | CHALLENGE', 'device -> relay | HELLO', 'relay -> device | WELCOME']);
    expect(kinds).toContain('device -> relay | SUBSCRIBE');
    const change = mitm.transcript.lines().slice(before);
    expect(change.some((l) => /^device -> relay \| ENVELOPE doc=\S+ ref=\d+ bytes=\d+$/.test(l))).toBe(true);
    expect(change.some((l) => /^relay -> device \| ACK doc=\S+ ref=\d+ seq=\d+$/.test(l))).toBe(true);
    expect(mitm.transcript.relayBound().length).toBeGreaterThanOrEqual(4);
    expect(mitm.transcript.relaySaw(CANARY)).toBe(false);
    expect(mitm.transcript.relaySaw(Buffer.from(CANARY).toString('base64'))).toBe(false);
  });
});
