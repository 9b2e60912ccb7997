/**
 * File transfers between a device (FileTransfers) and the gateway's
 * FileService, connected in memory by a link that can drop, duplicate or
 * alter frames: what a relay (or a read-only member holding the session key)
 * could do. Real files in a temp working directory.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { generateDeviceIdentity, loadCrypto, type DeviceIdentity } from '@tendril/crdt-schema/crypto';
import { newSessionId, type DeviceId } from '@tendril/crdt-schema/ids';
import { FileService } from './file-service.ts';
import { FileTransfers } from './file-transfers.ts';
import { memoryUsedTransfers, type UsedTransferStore } from './used-transfers.ts';
import { decodeTerm, encodeTerm, TermTag, type TermMessage } from './term-messages.ts';

const crypto = await loadCrypto({ ed25519: 'sodium' });
const root = mkdtempSync(join(tmpdir(), 'tendril-files-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

type Tamper = (m: TermMessage, direction: 'up' | 'down') => TermMessage | null;

function world(o: { tamper?: Tamper; writers?: (w: DeviceIdentity) => DeviceId[]; used?: UsedTransferStore } = {}) {
  const gateway = generateDeviceIdentity(crypto);
  const device = generateDeviceIdentity(crypto);
  const session = newSessionId();
  const pass = (m: TermMessage, dir: 'up' | 'down') => {
    const out = o.tamper ? o.tamper(m, dir) : m;
    // Through the codec, as on the wire.
    return out ? decodeTerm(encodeTerm(out)) : null;
  };
  const log: string[] = [];
  const service = new FileService({
    crypto, identity: gateway, session, root: () => root,
    writers: () => (o.writers ? o.writers(device) : [device.deviceId]),
    send: (m) => setTimeout(() => {
      const d = pass(m, 'down');
      if (d) client.handle(d);
    }, 0),
    log: (l) => log.push(l),
    stallMs: 20,
    ...(o.used ? { used: o.used } : {}),
  });
  const client: FileTransfers = new FileTransfers({
    crypto, identity: device, session, gateway: gateway.deviceId, stallMs: 20,
    send: (m) => setTimeout(() => {
      const d = pass(m, 'up');
      if (d) service.handle(device.deviceId, d);
    }, 0),
  });
  return { client, service, log, device, gateway, session };
}

const random = (n: number) => new Uint8Array(randomBytes(n));
/** The error code a transfer failed with, or 'ok'. */
const failCode = (p: Promise<unknown>): Promise<string> => p.then(() => 'ok', (e: { code?: string }) => e.code ?? String(e));
const leftovers = () => readdirSync(root).filter((f) => f.endsWith('.upload'));

describe('file transfers with a session gateway', () => {
  it('uploads and downloads a file byte for byte, with progress', async () => {
    const { client, service } = world();
    const data = random(300_000);
    const progress: number[] = [];
    expect(await failCode(client.upload('in/data.bin', data))).toBe('E_BAD_INPUT');
    expect(await client.upload('data.bin', data, { onProgress: (d) => progress.push(d) })).toBe(300_000);
    expect(new Uint8Array(readFileSync(join(root, 'data.bin')))).toEqual(data);
    expect(progress.at(-1)).toBe(300_000);
    expect(await client.download('data.bin')).toEqual(data);
    expect(await failCode(client.upload('data.bin', data))).toBe('E_FILE_EXISTS');
    expect(await client.upload('data.bin', random(10), { overwrite: true })).toBe(10);
    expect(await client.upload('empty.txt', new Uint8Array(0))).toBe(0);
    expect(readFileSync(join(root, 'empty.txt')).length).toBe(0);
    await service.close();
  });

  it('gets every chunk through a link that drops and duplicates frames', async () => {
    let n = 0;
    const { client, service } = world({ tamper: (m) => (m.t === TermTag.FileChunk || m.t === TermTag.FileAck) && ++n % 5 === 0 ? null : m });
    const data = random(500_000);
    expect(await client.upload('lossy.bin', data)).toBe(data.length);
    expect(await client.download('lossy.bin')).toEqual(data);
    await service.close();
  });

  it('refuses an upload whose bytes were altered on the way, and writes nothing', async () => {
    const flip = (m: TermMessage): TermMessage => (m.t === TermTag.FileChunk && m.index === 1 ? { ...m, bytes: m.bytes.map((b, i) => (i === 5 ? b ^ 1 : b)) } : m);
    const { client, service } = world({ tamper: (m, dir) => (dir === 'up' ? flip(m) : m) });
    expect(await failCode(client.upload('altered.bin', random(200_000)))).toBe('E_BAD_SIGNATURE');
    expect(existsSync(join(root, 'altered.bin'))).toBe(false);
    expect(leftovers()).toEqual([]);
    await service.close();
  });

  it('refuses a download whose bytes or confirmation were altered', async () => {
    writeFileSync(join(root, 'source.bin'), random(150_000));
    const flip = (m: TermMessage): TermMessage => (m.t === TermTag.FileChunk ? { ...m, bytes: m.bytes.map((b, i) => (i === 0 ? b ^ 1 : b)) } : m);
    const a = world({ tamper: (m, dir) => (dir === 'down' ? flip(m) : m) });
    expect(await failCode(a.client.download('source.bin'))).toBe('E_BAD_SIGNATURE');
    const forge = (m: TermMessage): TermMessage => (m.t === TermTag.FileDone ? { ...m, sha256: m.sha256.map((b) => b ^ 1) } : m);
    const b = world({ tamper: (m, dir) => (dir === 'down' ? forge(m) : m) });
    expect(await failCode(b.client.download('source.bin'))).toBe('E_BAD_SIGNATURE');
    await a.service.close();
    await b.service.close();
  });

  it('refuses devices that may not type, paths outside the directory, and replayed requests', async () => {
    const viewer = world({ writers: () => [] });
    expect(await failCode(viewer.client.upload('x.bin', random(10)))).toBe('E_FORBIDDEN');
    expect(await failCode(viewer.client.download('source.bin'))).toBe('E_FORBIDDEN');
    const w = world();
    expect(await failCode(w.client.upload('../escape.bin', random(10)))).toBe('E_PATH_OUTSIDE');
    expect(await failCode(w.client.download('/etc/passwd'))).toBe('E_PATH_OUTSIDE');
    // The relay replays a captured request: same transfer id from the same device.
    let captured: TermMessage | null = null;
    const r = world({ tamper: (m) => ((captured ??= m.t === TermTag.FileOffer ? m : null), m) });
    await r.client.upload('once.bin', random(10));
    r.service.handle(r.device.deviceId, captured!);
    await new Promise((res) => setTimeout(res, 20));
    expect(r.log.join('\n')).toMatch(/refused \(E_REPLAY: this transfer id was used before\)/);
    expect(readdirSync(root).filter((f) => f === 'once.bin')).toEqual(['once.bin']);
    // Sent to another gateway session (one where the device may not type), it is refused as well.
    const answers: TermMessage[] = [];
    const replay = new FileService({ crypto, identity: generateDeviceIdentity(crypto), session: newSessionId(), root: () => root, writers: () => [], send: (m) => answers.push(m) });
    expect(replay.handle('x' as DeviceId, captured!)).toBe(true);
    await new Promise((res) => setTimeout(res, 20));
    expect(answers[0]).toMatchObject({ t: TermTag.FileDone, ok: false });
    for (const s of [viewer.service, w.service, r.service, replay]) await s.close();
  });

  it('refuses a replayed download request, in the same gateway run and after a restart: nothing is sent again', async () => {
    writeFileSync(join(root, 'secret.txt'), 'v1');
    let offer: TermMessage | null = null;
    const used = memoryUsedTransfers();
    const r = world({ used, tamper: (m) => ((offer ??= m.t === TermTag.FileOffer ? m : null), m) });
    expect(new TextDecoder().decode(await r.client.download('secret.txt'))).toBe('v1');
    const answers: TermMessage[] = [];
    const again = new FileService({
      crypto, identity: r.gateway, session: r.session, root: () => root, writers: () => [r.device.deviceId], send: (m) => answers.push(m), log: (l) => r.log.push(l),
      used,
    });
    again.handle(r.device.deviceId, offer!);
    r.service.handle(r.device.deviceId, offer!);
    const deadline = Date.now() + 10_000;
    while (r.log.filter((l) => l.includes('E_REPLAY')).length < 2 && Date.now() < deadline) await new Promise((res) => setTimeout(res, 10));
    expect(r.log.filter((l) => /refused \(E_REPLAY: this transfer id was used before\)/.test(l))).toHaveLength(2);
    expect(answers.map((m) => m.t)).toEqual([TermTag.FileDone]);
    await r.service.close();
    await again.close();
  });

  it('refuses an upload replayed to a restarted gateway whose used ids were kept, so a file is not rolled back', async () => {
    const used = memoryUsedTransfers();
    const captured: TermMessage[] = [];
    let capturing = true;
    const first = world({ used, tamper: (m, dir) => (capturing && dir === 'up' && captured.push(m), m) });
    await first.client.upload('state.txt', new TextEncoder().encode('old'), { overwrite: true });
    capturing = false;
    await first.client.upload('state.txt', new TextEncoder().encode('new'), { overwrite: true });
    await first.service.close();
    // The gateway restarts: a new service over the same (persisted) store; the relay sends the old upload again.
    const log: string[] = [];
    const answers: TermMessage[] = [];
    const restarted = new FileService({
      crypto, identity: first.gateway, session: first.session, root: () => root, writers: () => [first.device.deviceId], send: (m) => answers.push(m), log: (l) => log.push(l), used,
    });
    const offer = captured.find((m) => m.t === TermTag.FileOffer)!;
    restarted.handle(first.device.deviceId, offer);
    const deadline = Date.now() + 10_000;
    while (answers.length === 0 && Date.now() < deadline) await new Promise((res) => setTimeout(res, 10));
    for (const m of captured.filter((c) => c.t === TermTag.FileChunk)) restarted.handle(first.device.deviceId, m);
    while (!answers.some((m) => m.t === TermTag.FileDone) && Date.now() < deadline) await new Promise((res) => setTimeout(res, 10));
    expect(answers[0]).toMatchObject({ t: TermTag.FileDone, ok: false, message: 'E_REPLAY: this transfer id was used before' });
    expect(readFileSync(join(root, 'state.txt'), 'utf8')).toBe('new');
    await restarted.close();
  });

  it('cancels on abort and leaves no partial file', async () => {
    let chunks = 0;
    const controller = new AbortController();
    const { client, service, log } = world({ tamper: (m) => (m.t === TermTag.FileChunk && ++chunks === 3 && controller.abort(), m) });
    expect(await failCode(client.upload('big.bin', random(2_000_000), { signal: controller.signal }))).toBe('E_TRANSFER_CANCELLED');
    await new Promise((res) => setTimeout(res, 50));
    expect(existsSync(join(root, 'big.bin'))).toBe(false);
    expect(leftovers()).toEqual([]);
    expect(log.join('\n')).toContain('cancelled');
    await service.close();
  });
});
