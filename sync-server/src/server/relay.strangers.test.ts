/**
 * Integration: what a stranger can cost the relay before (and without) a
 * verified hello. Pre-auth bytes are capped per connection and in total,
 * pre-auth connections per client address (taken from X-Forwarded-For only
 * behind a trusted proxy) and in total, while authenticated connections count
 * per device and per workspace instead. Garbage frames are rate-limited and
 * end the connection; problems are counted, not logged line by line.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { newWorkspaceId } from '@tendril/crdt-schema/ids';
import { FrameType } from '@tendril/crdt-schema/wire';
import type { LogFields, Logger } from './logger.ts';
import { relayHarness } from '../testing/harness.ts';
import { testKey } from '../testing/keys.ts';
import { metric } from '../testing/metrics.ts';
import { frameHeader, rawUpgrade, writeAll } from '../testing/raw-socket.ts';
import { TestClient } from '../testing/test-client.ts';
import { waitFor } from '../testing/wait.ts';

const h = relayHarness();
afterEach(() => h.cleanup());
const KiB = 1024;

describe('relay against strangers', () => {
  it('drops a pre-auth socket that sends more than maxPreAuthBytes of a partial frame', async () => {
    const relay = await h.start({ limits: { maxPreAuthBytes: 16 * KiB, authTimeoutMs: 600_000 } });
    const raw = await rawUpgrade(relay.url);
    await writeAll(raw, frameHeader(16 * KiB)); // within the budget as announced; the header takes it past
    await writeAll(raw, new Uint8Array(8 * KiB));
    const honest = await h.connect(relay);
    expect(honest.challenge).toBeDefined();
    expect(raw.isOpen()).toBe(true);
    for (let i = 0; i < 16 && raw.isOpen(); i++) await writeAll(raw, new Uint8Array(8 * KiB));
    await waitFor(() => !raw.isOpen(), 'the relay to drop the socket', 5_000);
    expect(await metric(relay.url, 'tendril_relay_rejected_frames_total', '{reason="E_FRAME_TOO_LARGE"}')).toBe(1);
    await waitFor(async () => (await metric(relay.url, 'tendril_relay_preauth_bytes')) === 0, 'pre-auth bytes released');
    expect(honest.isOpen).toBe(true);
  });

  it('drops a pre-auth socket whose first frame announces more than maxPreAuthBytes, on its header', async () => {
    const relay = await h.start({ limits: { maxPreAuthBytes: 16 * KiB, authTimeoutMs: 600_000 } });
    const raw = await rawUpgrade(relay.url);
    await writeAll(raw, frameHeader(2 * 1024 * KiB));
    await waitFor(() => !raw.isOpen(), 'the relay to drop the socket on the header alone', 5_000);
    expect(await metric(relay.url, 'tendril_relay_rejected_frames_total', '{reason="E_FRAME_TOO_LARGE"}')).toBe(1);
    expect(await metric(relay.url, 'tendril_relay_preauth_bytes')).toBe(0);
    // A hello-sized first frame is read as usual.
    const honest = await h.connect(relay);
    expect(honest.challenge).toBeDefined();
  });

  it('drops the pre-auth socket that takes the total past maxPreAuthBytesTotal, and keeps the others', async () => {
    const relay = await h.start({ limits: { maxPreAuthBytes: 16 * KiB, maxPreAuthBytesTotal: 40 * KiB, authTimeoutMs: 600_000 } });
    const sockets = [];
    for (const n of [1, 2, 3]) {
      const raw = await rawUpgrade(relay.url, { localAddress: `127.0.0.${n}` });
      await writeAll(raw, frameHeader(16 * KiB));
      await writeAll(raw, new Uint8Array(15 * KiB));
      sockets.push(raw);
      if (n < 3) await waitFor(async () => (await metric(relay.url, 'tendril_relay_preauth_bytes')) >= n * (15 * KiB + 14), `socket ${n} counted`);
    }
    await sockets[2]!.closed;
    expect(sockets[0]!.isOpen() && sockets[1]!.isOpen()).toBe(true);
    expect(await metric(relay.url, 'tendril_relay_preauth_bytes')).toBe(2 * (15 * KiB + 14));
    for (const raw of sockets) raw.socket.destroy();
  });

  it("refuses an address's reconnect loop before the handshake (429), and other addresses still connect", async () => {
    const relay = await h.start({ limits: { connectsPerSecondPerIp: 0.001, connectBurstPerIp: 3, tarpitMs: 300, tarpitPerIp: 1 } });
    const opened = [];
    for (let i = 0; i < 3; i++) opened.push(await rawUpgrade(relay.url, { localAddress: '127.0.0.4' }));
    await expect(rawUpgrade(relay.url, { localAddress: '127.0.0.4' })).rejects.toThrow(/upgrade refused: HTTP\/1.1 429/);
    expect(await metric(relay.url, 'tendril_relay_problems_total', '{event="connect.rate"}')).toBe(1);
    // Once refused, the address's next sockets get no HTTP answer at all: one is held unread for
    // tarpitMs (a retry loop waits on it), and past the tarpit's room the next is closed at once.
    const started = Date.now();
    const held = rawUpgrade(relay.url, { localAddress: '127.0.0.4' }).then(() => 'upgraded', (e: Error) => `${e.message} after ${Date.now() - started} ms`);
    await waitFor(async () => (await metric(relay.url, 'tendril_relay_problems_total', '{event="connect.refused"}')) === 1, 'the first refusal at accept');
    const closedAtOnce = await rawUpgrade(relay.url, { localAddress: '127.0.0.4' }).then(() => 'upgraded', (e: Error) => e.message);
    expect(closedAtOnce).toBe('closed before any answer');
    const heldFor = await held;
    expect(heldFor).toMatch(/^closed before any answer after \d+ ms$/);
    expect(Number(/after (\d+) ms/.exec(heldFor)![1])).toBeGreaterThanOrEqual(250);
    expect(await metric(relay.url, 'tendril_relay_problems_total', '{event="connect.refused"}')).toBe(2);
    expect(await metric(relay.url, 'tendril_relay_problems_total', '{event="connect.rate"}')).toBe(1);
    // Another address has its own budget; the refused one got no challenge, no pre-auth slot.
    const other = await rawUpgrade(relay.url, { localAddress: '127.0.0.5' });
    expect(other.isOpen()).toBe(true);
    expect(await metric(relay.url, 'tendril_relay_preauth_connections')).toBe(4);
    for (const raw of [...opened, other]) raw.socket.destroy();
  });

  it('caps pre-auth connections per address and in total; authenticated ones do not count', async () => {
    const relay = await h.start({ limits: { maxPreAuthPerIp: 2, maxPreAuthConnections: 3 } });
    const workspace = newWorkspaceId();
    await h.member(relay, workspace);
    await h.member(relay, workspace);
    await h.member(relay, workspace);
    await h.connect(relay);
    const second = await h.connect(relay);
    const third = await h.connect(relay);
    expect(third.challenge).toBeUndefined();
    expect(await third.nextError('E_TOO_MANY_CONNECTIONS')).toMatchObject({ fatal: true });
    expect((await h.connect(relay, { localAddress: '127.0.0.2' })).challenge).toBeDefined();
    const fourth = await h.connect(relay, { localAddress: '127.0.0.3' });
    expect(await fourth.nextError('E_TOO_MANY_CONNECTIONS')).toMatchObject({ fatal: true });
    expect((await second.hello(testKey(), workspace)).type).toBe(FrameType.Welcome); // leaves the pre-auth count
    await waitFor(async () => {
      const c = await TestClient.connect(relay.url, { localAddress: '127.0.0.3' });
      const ok = c.challenge !== undefined;
      await c.close();
      return ok;
    }, 'a free pre-auth slot');
  });

  it('counts authenticated connections per device and per workspace', async () => {
    const relay = await h.start({ limits: { maxConnectionsPerDevice: 2, maxConnectionsPerWorkspace: 3 } });
    const a = await h.member(relay);
    await h.member(relay, a.workspace, a.device);
    const c = await h.connect(relay);
    expect(await c.hello(a.device, a.workspace)).toMatchObject({ type: FrameType.Error, code: 'E_TOO_MANY_CONNECTIONS', fatal: true });
    await c.closed;
    await h.member(relay, a.workspace); // another device: the third of the workspace
    const d = await h.connect(relay);
    expect(await d.hello(testKey(), a.workspace)).toMatchObject({ type: FrameType.Error, code: 'E_TOO_MANY_CONNECTIONS' });
    expect((await h.member(relay)).client.isOpen).toBe(true); // other workspaces are not affected
    await a.client.close();
    await waitFor(async () => {
      const e = await TestClient.connect(relay.url);
      const ok = (await e.hello(a.device, a.workspace)).type === FrameType.Welcome;
      await e.close();
      return ok;
    }, 'a free device slot');
  });

  it('takes the client address from X-Forwarded-For only when the socket peer is a trusted proxy', async () => {
    const behind = await h.start({ trustedProxies: ['127.0.0.1'], limits: { maxPreAuthPerIp: 1 } });
    const via = (relay: typeof behind, client: string) => h.connect(relay, { headers: { 'x-forwarded-for': `203.0.113.9, ${client}` } });
    expect((await via(behind, '198.51.100.1')).challenge).toBeDefined();
    expect((await via(behind, '198.51.100.2')).challenge).toBeDefined();
    expect(await (await via(behind, '198.51.100.1')).nextError('E_TOO_MANY_CONNECTIONS')).toBeDefined();

    const direct = await h.start({ limits: { maxPreAuthPerIp: 1 } });
    expect((await via(direct, '198.51.100.1')).challenge).toBeDefined();
    expect(await (await via(direct, '198.51.100.2')).nextError('E_TOO_MANY_CONNECTIONS')).toBeDefined();
  });

  it('rate-limits unknown frame types and closes a connection that keeps sending them', async () => {
    const relay = await h.start({ limits: { frameBurst: 4, framesPerSecond: 1, maxStrayFrames: 40 } });
    const m = await h.member(relay);
    for (let i = 0; i < 30; i++) m.client.sendRaw(new Uint8Array([99, 1, 2]));
    m.client.send({ type: FrameType.BlobTake, ref: 7, key: 'k' });
    await m.client.next((f) => f.type === FrameType.Error && f.ref === 7);
    const replies = m.client.received.filter((f) => f.type === FrameType.Error && f.code === 'E_FRAME_UNKNOWN');
    expect(replies.length).toBeLessThanOrEqual(4);
    expect(m.client.isOpen).toBe(true);
    for (let i = 0; i < 20; i++) m.client.sendRaw(new Uint8Array([99, 1, 2]));
    expect(await m.client.nextError('E_FRAME_UNKNOWN')).toBeDefined();
    await m.client.closed;
    expect(m.client.received.at(-1)).toMatchObject({ type: FrameType.Error, code: 'E_FRAME_UNKNOWN', fatal: true });
  });

  it('counts pre-auth error frames and refusals in metrics and one summary line, not a line each', async () => {
    const lines: { event: string; fields: LogFields }[] = [];
    const logger: Logger = {
      info: (event, fields = {}) => lines.push({ event, fields }),
      warn: (event, fields = {}) => lines.push({ event, fields }),
      error: (event, fields = {}) => lines.push({ event, fields }),
    };
    const relay = await h.start({ logger, limits: { problemLogIntervalMs: 50, maxPreAuthPerIp: 1 } });
    const c = await h.connect(relay);
    for (let i = 0; i < 50; i++) c.send({ type: FrameType.Error, code: 'E_BAD_INPUT', message: 'x'.repeat(100), doc: '', ref: 0, retryAfterMs: 0, fatal: false });
    for (let i = 0; i < 5; i++) await (await h.connect(relay)).closed; // refused: one address, one pre-auth slot
    await waitFor(async () => (await metric(relay.url, 'tendril_relay_problems_total', '{event="preauth.peer_error"}')) === 50, '50 counted');
    expect(await metric(relay.url, 'tendril_relay_problems_total', '{event="preauth.E_TOO_MANY_CONNECTIONS"}')).toBe(5);
    // One summary line per interval: on a busy machine the refusals can straddle two intervals, so
    // the lines' counts are added up.
    const summed = (key: string): number =>
      lines.filter((l) => l.event === 'relay.problems').reduce((n, l) => n + Number(l.fields[key] ?? 0), 0);
    await waitFor(() => summed('preauth.peer_error') === 50 && summed('preauth.E_TOO_MANY_CONNECTIONS') === 5, 'summary lines counting everything');
    expect(lines.filter((l) => l.event === 'relay.problems').length).toBeLessThan(10);
    expect(lines.filter((l) => l.event !== 'relay.problems' && l.event !== 'relay.listening')).toEqual([]);
  });
});
