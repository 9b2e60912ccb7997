import * as Y from 'yjs';
import { describe, expect, it } from 'vitest';
import { loadCrypto } from '../crypto/load.ts';
import { generateDeviceIdentity, type DeviceIdentity } from '../crypto/keys.ts';
import { newDocId, newWorkspaceId, type DeviceId } from '../ids.ts';
import { deriveDocKeys } from '../keyring/doc-keys.ts';
import { Scope, type Role } from '../keyring/scopes.ts';
import { generateWorkspaceKeys, keysForRole, rotateWorkspaceKeys } from '../keyring/workspace-keys.ts';
import { workspaceDoc } from '../schema/index.ts';
import type { Directory, MemberRecord } from './directory.ts';
import { DocGrants, grantDoc, reissueDocGrants, withdrawDoc } from './doc-grants.ts';

const crypto = await loadCrypto({ ed25519: 'sodium' });

function world() {
  const workspace = newWorkspaceId();
  const keys = generateWorkspaceKeys(crypto, workspace);
  const index = workspaceDoc(new Y.Doc());
  const records = new Map<DeviceId, MemberRecord>();
  const directory: Directory = { member: (d) => records.get(d) };
  const member = (role: Role): DeviceIdentity => {
    const id = generateDeviceIdentity(crypto);
    index.members.add({ device: id.deviceId, name: role, role, boxPublicKey: id.boxPublicKey, addedBy: id.deviceId });
    records.set(id.deviceId, { role });
    return id;
  };
  const admin = member('admin');
  const worker = member('worker');
  return { workspace, keys, index, records, directory, admin, worker, member, targets: { crypto, sender: admin, keys, index, directory } };
}

describe('single-document grants', () => {
  it('give the grantee exactly that document: its derived keys, its read capability, no write secret', () => {
    const w = world();
    const doc = newDocId();
    grantDoc(w.targets, { doc, scope: Scope.Terminals, to: [w.worker.deviceId] });
    const grants = new DocGrants(crypto, w.worker, () => w.index, w.directory);
    const view = grants.viewFor(doc, Scope.Terminals)!();
    const expected = deriveDocKeys(crypto, w.keys.get(Scope.Terminals)!, doc);
    expect(view.contentKey(0 as never)).toEqual(expected.contentKey(0 as never));
    expect(view.readCap.publicKey).toEqual(expected.readCap.publicKey);
    expect(view.writeCap).toBeUndefined();
    // Nothing for another document of the scope, and the scope key itself never travels.
    expect(grants.viewFor(newDocId(), Scope.Terminals)).toBeUndefined();
    expect(view.contentKey(0 as never)).not.toEqual(w.keys.get(Scope.Terminals)!.epochs.get(0 as never)!.expose());
    expect(grants.grantedDocs()).toEqual([doc]);
  });

  it('ignore a grant sealed by a member that may not write the scope, and refuse to seal without write keys', () => {
    const w = world();
    const doc = newDocId();
    const other = w.member('worker');
    const workerKeys = keysForRole(w.keys, 'worker');
    expect(() => grantDoc({ ...w.targets, sender: other, keys: workerKeys }, { doc, scope: Scope.Terminals, to: [w.worker.deviceId] })).toThrow(/only a device that may write/);
    // A forged grant: the terminal-scope bundle, but sealed and signed by a worker.
    grantDoc({ ...w.targets, sender: other }, { doc, scope: Scope.Terminals, to: [w.worker.deviceId] });
    expect(new DocGrants(crypto, w.worker, () => w.index, w.directory).viewFor(doc, Scope.Terminals)).toBeUndefined();
    expect(() => grantDoc(w.targets, { doc, scope: Scope.Terminals, to: [generateDeviceIdentity(crypto).deviceId] })).toThrow(/not a current member/);
  });

  it('move to the new epoch when re-issued after a rotation; a revoked holder gets none; withdrawing removes them', () => {
    const w = world();
    const doc = newDocId();
    const revoked = w.member('worker');
    grantDoc(w.targets, { doc, scope: Scope.Terminals, to: [w.worker.deviceId, revoked.deviceId] });
    const grants = new DocGrants(crypto, w.worker, () => w.index, w.directory);
    const before = grants.viewFor(doc, Scope.Terminals)!;
    expect(before().current).toBe(0);
    w.records.set(revoked.deviceId, { role: 'worker', revokedAtEpoch: 1 });
    const rotated = rotateWorkspaceKeys(crypto, w.keys);
    expect(reissueDocGrants({ ...w.targets, keys: rotated, workspace: w.workspace, scopeOfDoc: () => Scope.Terminals })).toBe(1);
    expect(grants.refresh(() => Scope.Terminals)).toBe(true);
    expect(before().current).toBe(1);
    expect(before().readCap.publicKey).toEqual(deriveDocKeys(crypto, rotated.get(Scope.Terminals)!, doc).readCap.publicKey);
    expect(w.index.lockboxes.forDoc(doc).filter((l) => l.device === revoked.deviceId).map((l) => l.epoch)).toEqual([0]);
    withdrawDoc(w.index, doc, [w.worker.deviceId]);
    expect(new DocGrants(crypto, w.worker, () => w.index, w.directory).viewFor(doc, Scope.Terminals)).toBeUndefined();
  });
});
