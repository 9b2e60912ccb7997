/**
 * Whose SSH requests the gateway carries out, on a real authorized_keys file in a temp folder: a
 * current admin's, once. Refused and answered: a device that is not an admin, a revoked admin, a
 * request for another gateway, one far from the gateway's clock, one whose bytes were altered, and a
 * request the gateway carried out before put back into the document (a relay replaying it). Readers
 * drop answers and key lists not signed by the gateway.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as Y from 'yjs';
import { generateDeviceIdentity, loadCrypto, type DeviceIdentity } from '@tendril/crdt-schema/crypto';
import type { DeviceId } from '@tendril/crdt-schema/ids';
import type { Role } from '@tendril/crdt-schema/keyring';
import { gatewayAdminDoc } from '@tendril/crdt-schema/schema';
import type { MemberRecord } from '@tendril/crdt-schema/workspace';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AuthorizedKeys } from '../host/authorized-keys.ts';
import { ed25519Line } from '../host/test-keys.ts';
import { SshAdmin } from './ssh-admin.ts';
import { awaitSshAnswer, readSshLog, readSshState } from './ssh-client.ts';
import { openSshAnswer, signSshAnswer, signSshRequest, signSshState, type SshRequest } from './ssh-signatures.ts';
import { memoryUsedTransfers } from './used-transfers.ts';

const crypto = await loadCrypto({ ed25519: 'sodium' });
const gw = generateDeviceIdentity(crypto);
const admin = generateDeviceIdentity(crypto);
const device = generateDeviceIdentity(crypto);
const revoked = generateDeviceIdentity(crypto);
const members = new Map<DeviceId, MemberRecord>([
  [admin.deviceId, { role: 'admin' as Role }],
  [device.deviceId, { role: 'device' as Role }],
  [revoked.deviceId, { role: 'admin' as Role, revokedAtEpoch: 2 }],
]);

let dir = '';
let path = '';
let ydoc: Y.Doc;
let doc: ReturnType<typeof gatewayAdminDoc>;
let ssh: SshAdmin;
let logLines: string[];
let n = 0;
const user = `${ed25519Line('me')}\n`;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ssh-admin-'));
  path = join(dir, 'authorized_keys');
  writeFileSync(path, user);
  ydoc = new Y.Doc();
  doc = gatewayAdminDoc(ydoc);
  logLines = [];
  ssh = new SshAdmin({
    crypto, identity: gw, directory: { member: (d) => members.get(d) }, doc, keys: new AuthorizedKeys(path), support: null,
    used: memoryUsedTransfers(), log: (l) => logLines.push(l),
  });
  await ssh.start();
});
afterEach(() => {
  ssh.stop();
  rmSync(dir, { recursive: true, force: true });
});

function request(by: DeviceIdentity, change: Partial<SshRequest> = {}): { id: string; bytes: Uint8Array } {
  const id = String(1000 + ++n);
  const r = { kind: 'add' as const, id, gateway: gw.deviceId, at: Date.now(), key: ed25519Line(), label: 'k', ...change };
  return { id, bytes: signSshRequest(crypto, by, r) };
}

async function send(r: { id: string; bytes: Uint8Array }) {
  doc.request(r.id, r.bytes);
  return awaitSshAnswer(crypto, doc, gw.deviceId, r.id, 5000);
}

describe('the gateway carries out SSH requests', () => {
  it('of a current admin, once: the same request put back is a replay', async () => {
    const r = request(admin);
    const first = await send(r);
    expect(first).toMatchObject({ ok: true, key: { label: 'k' } });
    expect(readSshState(crypto, doc, gw.deviceId)?.keys).toHaveLength(1);
    await send(request(admin, { kind: 'revoke', target: first.key!.id }));
    expect(readFileSync(path, 'utf8')).toBe(user);
    // A relay (or a member) that kept the request deletes the answer and writes the request again.
    ydoc.getMap('results').delete(r.id);
    expect(await send(r)).toMatchObject({ ok: false, code: 'E_REPLAY' });
    expect(readFileSync(path, 'utf8')).toBe(user);
  });

  it.each([
    ['a device that is not an admin', () => request(device), 'E_FORBIDDEN'],
    ['a revoked admin', () => request(revoked), 'E_FORBIDDEN'],
    ['a request for another gateway', () => request(admin, { gateway: device.deviceId }), 'E_BAD_INPUT'],
    ['a request far from the clock', () => request(admin, { at: Date.now() - 3_600_000 }), 'E_REPLAY'],
  ])('refuses %s, answers and logs it', async (_why, make, code) => {
    expect(await send(make())).toMatchObject({ ok: false, code });
    expect(readFileSync(path, 'utf8')).toBe(user);
    expect(logLines.join('\n')).toContain(`refused (${code}`);
  });

  it('refuses altered bytes', async () => {
    const r = request(admin, { label: 'honest' });
    const bytes = Buffer.from(r.bytes);
    bytes.write('evil!!', bytes.indexOf('honest'), 'latin1');
    expect(await send({ id: r.id, bytes: new Uint8Array(bytes) })).toMatchObject({ ok: false, code: 'E_BAD_SIGNATURE' });
    expect(readFileSync(path, 'utf8')).toBe(user);
  });

  it('logs refusals as signed entries readers can check', async () => {
    await send(request(device));
    const log = readSshLog(crypto, doc, gw.deviceId);
    expect(log.at(-1)).toMatchObject({ action: 'add', outcome: 'denied', device: device.deviceId });
    // An entry a member wrote into the gateway's log is not the gateway's.
    doc.appendLog(gw.deviceId, [signSshAnswer(crypto, admin, { id: '1', ok: true, message: 'x' })]);
    expect(readSshLog(crypto, doc, gw.deviceId)).toHaveLength(log.length);
  });

  it('readers drop answers and lists another member signed', () => {
    const forged = signSshAnswer(crypto, admin, { id: '7', ok: true, message: 'added' });
    expect(openSshAnswer(crypto, gw.deviceId, forged)).toBeNull();
    doc.setState(signSshState(crypto, admin, { at: 0, keys: [], support: null }));
    expect(readSshState(crypto, doc, gw.deviceId)).toBeNull();
  });
});

describe('a request nobody answered in time', () => {
  it('is withdrawn, so a gateway that starts later does not carry it out', async () => {
    ssh.stop();
    const offline = gatewayAdminDoc(new Y.Doc());
    const r = request(admin);
    offline.request(r.id, r.bytes);
    await expect(awaitSshAnswer(crypto, offline, gw.deviceId, r.id, 50)).rejects.toMatchObject({ code: 'E_TIMEOUT' });
    expect(offline.pending()).toEqual([]);
    ssh = new SshAdmin({ crypto, identity: gw, directory: { member: (d) => members.get(d) }, doc: offline, keys: new AuthorizedKeys(path), support: null, used: memoryUsedTransfers() });
    await ssh.start();
    expect(readSshState(crypto, offline, gw.deviceId)?.keys).toEqual([]);
    expect(offline.result(r.id)).toBeUndefined();
    expect(readFileSync(path, 'utf8')).toBe(user);
  });
});

describe('an authorized_keys file the gateway cannot read', () => {
  it('is logged on start and refused per request, and the gateway runs on', async () => {
    ssh.stop();
    const blocked = join(dir, 'not-a-folder');
    writeFileSync(blocked, 'a file where a folder should be');
    const lines: string[] = [];
    const d = gatewayAdminDoc(new Y.Doc());
    ssh = new SshAdmin({
      crypto, identity: gw, directory: { member: (x) => members.get(x) }, doc: d, keys: new AuthorizedKeys(join(blocked, 'authorized_keys')), support: null,
      used: memoryUsedTransfers(), log: (l) => lines.push(l),
    });
    await ssh.start();
    expect(lines.join('\n')).toMatch(/ssh: .*ENOTDIR/);
    const r = request(admin);
    d.request(r.id, r.bytes);
    expect(await awaitSshAnswer(crypto, d, gw.deviceId, r.id, 5000)).toMatchObject({ ok: false, code: 'E_STORE_FAILED' });
  });
});
