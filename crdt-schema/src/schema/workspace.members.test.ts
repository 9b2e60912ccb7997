import { describe, expect, it } from 'vitest';
import { isTendrilError } from '../errors.ts';
import type { DeviceId } from '../ids.ts';
import { docsWithClients, syncDocs } from '../testkit/sync-docs.ts';
import { workspaceDoc } from './workspace.ts';

const ADMIN = 'A'.repeat(43) as DeviceId;
const PHONE = 'P'.repeat(43) as DeviceId;
const KEY = new Uint8Array(32).fill(7);

describe('workspace members', () => {
  it('adds a member, changes role and name, records lastSeen monotonically', () => {
    const [doc] = docsWithClients(1);
    let t = 100;
    const ws = workspaceDoc(doc!, { now: () => t });
    ws.members.add({ device: PHONE, name: 'phone', role: 'device', boxPublicKey: KEY, addedBy: ADMIN });
    ws.members.setRole(PHONE, 'viewer');
    ws.members.rename(PHONE, 'old phone');
    t = 300;
    ws.members.seen(PHONE);
    ws.members.seen(PHONE, 200);
    expect(ws.members.get(PHONE)).toEqual({
      device: PHONE, name: 'old phone', role: 'viewer', boxPublicKey: KEY, addedBy: ADMIN, addedAt: 100, lastSeen: 300,
      revokedAt: undefined, revokedBy: undefined,
    });
    expect(ws.members.isActive(PHONE)).toBe(true);
  });

  it('keeps a revocation permanent, even against a concurrent re-add', () => {
    const [da, db] = docsWithClients(2) as [never, never];
    const a = workspaceDoc(da, { now: () => 1 });
    const b = workspaceDoc(db, { now: () => 2 });
    a.members.add({ device: PHONE, name: 'phone', role: 'device', boxPublicKey: KEY, addedBy: ADMIN });
    syncDocs(da, db);
    a.members.revoke(PHONE, ADMIN);
    b.members.add({ device: PHONE, name: 'phone again', role: 'admin', boxPublicKey: KEY, addedBy: ADMIN });
    syncDocs(da, db);
    for (const ws of [a, b]) {
      expect(ws.members.isActive(PHONE)).toBe(false);
      expect(ws.members.get(PHONE)?.revokedAt).toBe(1);
      expect(ws.members.list()).toEqual([]);
      expect(ws.members.list({ includeRevoked: true })).toHaveLength(1);
    }
    try {
      a.members.add({ device: PHONE, name: 'x', role: 'device', boxPublicKey: KEY, addedBy: ADMIN });
      expect.fail('re-adding a revoked device must fail');
    } catch (e) {
      expect(isTendrilError(e, 'E_REVOKED')).toBe(true);
    }
  });

  it('rejects a malformed key or role', () => {
    const ws = workspaceDoc(docsWithClients(1)[0]!);
    expect(() => ws.members.add({ device: PHONE, name: 'p', role: 'device', boxPublicKey: new Uint8Array(3), addedBy: ADMIN })).toThrow(/32 bytes/);
    expect(() => ws.members.add({ device: PHONE, name: 'p', role: 'root' as never, boxPublicKey: KEY, addedBy: ADMIN })).toThrow(/role/);
    expect(ws.members.list({ includeRevoked: true })).toEqual([]);
  });
});
