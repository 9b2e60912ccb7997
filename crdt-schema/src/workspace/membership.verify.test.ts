/**
 * The member directory counts only verified certificates: admin-signed ones
 * chained to a root admin, or one enrollment per admin-signed invite signed
 * with that invite's enrollment key. Revocations count only from admins.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { createInvite, generateDeviceIdentity, inviteIdentity, loadCrypto, type CryptoProvider, type DeviceIdentity } from '../crypto/index.ts';
import { newWorkspaceId, type DeviceId } from '../ids.ts';
import type { Role } from '../keyring/scopes.ts';
import { mayAuthor } from './directory.ts';
import { createDirectory, signMemberCert, signRevocation, type MemberRow, type MemberVia } from './membership.ts';
import { keyEpoch } from '../ids.ts';

let crypto: CryptoProvider;
const workspace = newWorkspaceId();
let root: DeviceIdentity;

beforeAll(async () => {
  crypto = await loadCrypto();
  root = generateDeviceIdentity(crypto);
});

function cert(device: DeviceIdentity, role: Role, via: MemberVia, signer: DeviceIdentity): MemberRow {
  return { device: device.deviceId, cert: signMemberCert(crypto, { workspace, device: device.deviceId, role, boxPublicKey: device.boxPublicKey, via }, signer) };
}

function directory(rows: MemberRow[]) {
  return createDirectory({ crypto, workspace, rootAdmins: [root.deviceId], rows: () => rows });
}

describe('member directory', () => {
  it('accepts members certified by a root admin, and by admins they certified', () => {
    const admin2 = generateDeviceIdentity(crypto);
    const device = generateDeviceIdentity(crypto);
    const dir = directory([cert(admin2, 'admin', { admin: root.deviceId }, root), cert(device, 'device', { admin: admin2.deviceId }, admin2)]);
    expect(dir.member(admin2.deviceId)?.role).toBe('admin');
    expect(dir.member(device.deviceId)?.role).toBe('device');
    expect(mayAuthor(dir, device.deviceId, 'chat', keyEpoch(0))).toBe(true);
  });

  it('refuses a certificate signed by a non-admin, a self-signed one, or one naming another device', () => {
    const device = generateDeviceIdentity(crypto);
    const mallory = generateDeviceIdentity(crypto);
    const friend = generateDeviceIdentity(crypto);
    const byDevice = cert(friend, 'admin', { admin: device.deviceId }, device);
    const selfSigned = cert(mallory, 'admin', { admin: mallory.deviceId }, mallory);
    const claimsRoot = cert(mallory, 'admin', { admin: root.deviceId }, mallory);
    const swapped = { ...cert(device, 'device', { admin: root.deviceId }, root), device: mallory.deviceId };
    const dir = directory([cert(device, 'device', { admin: root.deviceId }, root), byDevice, selfSigned, claimsRoot, swapped]);
    expect(dir.member(device.deviceId)?.role).toBe('device');
    for (const d of [friend, mallory]) expect(dir.member(d.deviceId)).toBeUndefined();
  });

  it('enrolls through an invite once, with the invite role only', () => {
    const invite = createInvite(crypto, { issuer: root, workspace, role: 'worker', now: 1000, ttlMs: 60_000, relayUrl: 'ws://127.0.0.1:1/sync', relayHttpUrl: 'http://127.0.0.1:1' });
    const enroll = inviteIdentity(crypto, invite.secret);
    const a = generateDeviceIdentity(crypto);
    const b = generateDeviceIdentity(crypto);
    const c = generateDeviceIdentity(crypto);
    const via = { inviteToken: invite.tokenBytes };
    const rows = [cert(a, 'worker', via, enroll), cert(b, 'worker', via, enroll), cert(c, 'admin', via, enroll)];
    const dir = directory(rows);
    const enrolled = [a, b].filter((d) => dir.member(d.deviceId) !== undefined);
    expect(enrolled).toHaveLength(1);
    expect(dir.member(c.deviceId)).toBeUndefined();
    const stranger = generateDeviceIdentity(crypto);
    expect(directory([cert(stranger, 'worker', via, stranger)]).member(stranger.deviceId)).toBeUndefined();
  });

  it('applies an admin revocation from its epoch on, and ignores one by a non-admin', () => {
    const device = generateDeviceIdentity(crypto);
    const other = generateDeviceIdentity(crypto);
    const row = cert(device, 'device', { admin: root.deviceId }, root);
    const otherRow = cert(other, 'device', { admin: root.deviceId }, root);
    const revoked = { ...row, revocationCert: signRevocation(crypto, { workspace, device: device.deviceId, epoch: 2, admin: root.deviceId }, root) };
    const fake = { ...otherRow, revocationCert: signRevocation(crypto, { workspace, device: other.deviceId as DeviceId, epoch: 0, admin: device.deviceId }, device) };
    const dir = directory([revoked, fake]);
    expect(mayAuthor(dir, device.deviceId, 'chat', keyEpoch(1))).toBe(true);
    expect(mayAuthor(dir, device.deviceId, 'chat', keyEpoch(2))).toBe(false);
    expect(mayAuthor(dir, other.deviceId, 'chat', keyEpoch(5))).toBe(true);
  });

  it('scopes authorship by role: a gateway cannot write chats, a viewer nothing', () => {
    const gw = generateDeviceIdentity(crypto);
    const viewer = generateDeviceIdentity(crypto);
    const dir = directory([cert(gw, 'gateway', { admin: root.deviceId }, root), cert(viewer, 'viewer', { admin: root.deviceId }, root)]);
    expect(mayAuthor(dir, gw.deviceId, 'terminal-session', keyEpoch(0))).toBe(true);
    expect(mayAuthor(dir, gw.deviceId, 'chat', keyEpoch(0))).toBe(false);
    expect(mayAuthor(dir, viewer.deviceId, 'index', keyEpoch(0))).toBe(false);
  });
});
