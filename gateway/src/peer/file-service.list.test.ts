/**
 * Listing a session folder: a writer's signed list request, answered by the
 * gateway's FileService with the folder's entries as signed download bytes,
 * confined to the working directory (no `..`, no absolute path, no link that
 * leads out, links inside shown and never followed), refused to non-writers,
 * and checked against the gateway's signature on the device.
 */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { generateDeviceIdentity, loadCrypto } from '@tendril/crdt-schema/crypto';
import { newSessionId, type DeviceId } from '@tendril/crdt-schema/ids';
import { FileService } from './file-service.ts';
import { FileTransfers } from './file-transfers.ts';
import { decodeTerm, encodeTerm, TermTag, type TermMessage } from './term-messages.ts';

const crypto = await loadCrypto({ ed25519: 'sodium' });
const base = mkdtempSync(join(tmpdir(), 'tendril-list-'));
afterAll(() => rmSync(base, { recursive: true, force: true }));

// The session folder, and a secret folder beside it that links try to reach.
const root = join(base, 'work');
const secret = join(base, 'secret');
mkdirSync(join(root, 'src', 'deep'), { recursive: true });
mkdirSync(secret);
writeFileSync(join(secret, 'key.pem'), 'secret');
writeFileSync(join(root, 'notes.txt'), 'hello world');
writeFileSync(join(root, 'src', 'main.ts'), 'x'.repeat(1234));
utimesSync(join(root, 'notes.txt'), 1_700_000_000, 1_700_000_000);
symlinkSync(secret, join(root, 'escape'));
symlinkSync(join(root, 'src'), join(root, 'inside'));
symlinkSync(join(secret, 'key.pem'), join(root, 'key-link'));

function world(o: { writers?: (device: DeviceId) => DeviceId[]; tamper?: (m: TermMessage) => TermMessage } = {}) {
  const gateway = generateDeviceIdentity(crypto);
  const device = generateDeviceIdentity(crypto);
  const session = newSessionId();
  const log: string[] = [];
  const service = new FileService({
    crypto, identity: gateway, session, root: () => root,
    writers: () => (o.writers ? o.writers(device.deviceId) : [device.deviceId]),
    send: (m) => setTimeout(() => client.handle(decodeTerm(encodeTerm(o.tamper ? o.tamper(m) : m))!), 0),
    log: (l) => log.push(l),
  });
  const client: FileTransfers = new FileTransfers({
    crypto, identity: device, session, gateway: gateway.deviceId,
    send: (m) => setTimeout(() => service.handle(device.deviceId, decodeTerm(encodeTerm(m))!), 0),
  });
  afterAll(() => service.close());
  return { client, log };
}

const failCode = (p: Promise<unknown>): Promise<string> => p.then(() => 'ok', (e: { code?: string }) => e.code ?? String(e));

describe('listing a session folder', () => {
  it('gives names, kinds, sizes and times, folders first, links shown and not followed', async () => {
    const { client } = world();
    const l = await client.list();
    expect(l.path).toBe('');
    expect(l.entries.map((e) => [e.name, e.kind])).toEqual([
      ['src', 'dir'], ['escape', 'link'], ['inside', 'link'], ['key-link', 'link'], ['notes.txt', 'file'],
    ]);
    expect(l.entries.find((e) => e.name === 'notes.txt')).toEqual({ name: 'notes.txt', kind: 'file', size: 11, mtime: 1_700_000_000_000 });
    expect(l.entries.find((e) => e.name === 'key-link')?.size).toBe(0);
    expect((await client.list('src')).entries.map((e) => [e.name, e.kind, e.size])).toEqual([['deep', 'dir', 0], ['main.ts', 'file', 1234]]);
    // A link that stays inside may be listed through.
    expect((await client.list('inside')).entries.map((e) => e.name)).toEqual(['deep', 'main.ts']);
  });

  it.each([
    ['..', 'E_PATH_OUTSIDE'],
    ['src/../..', 'E_PATH_OUTSIDE'],
    [base, 'E_PATH_OUTSIDE'],
    ['/etc', 'E_PATH_OUTSIDE'],
    ['escape', 'E_PATH_OUTSIDE'],
    ['escape/sub', 'E_PATH_OUTSIDE'],
    ['notes.txt', 'E_BAD_INPUT'],
    ['missing', 'E_BAD_INPUT'],
  ])('refuses %s (%s) and lists nothing outside', async (path, code) => {
    const { client, log } = world();
    expect(await failCode(client.list(path))).toBe(code);
    expect(log.join('\n')).toContain('refused');
  });

  it('is refused to a device that may not type', async () => {
    const { client } = world({ writers: () => [] });
    expect(await failCode(client.list())).toBe('E_FORBIDDEN');
  });

  it('is checked against the gateway\'s signature: an altered listing is refused', async () => {
    const { client } = world({
      tamper: (m) => (m.t === TermTag.FileChunk ? { ...m, bytes: new TextEncoder().encode(new TextDecoder().decode(m.bytes).replace('notes.txt', 'notes.exe')) } : m),
    });
    expect(await failCode(client.list())).toBe('E_BAD_SIGNATURE');
  });
});
