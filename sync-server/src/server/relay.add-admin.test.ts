/** Integration: a registered admin adds another admin key; that key's revocations are honoured, others refused. */
import { afterEach, describe, expect, it } from 'vitest';
import { addAdminBytes, FrameType, revokeBytes, type AddAdminFrame } from '@tendril/crdt-schema/wire';
import type { WorkspaceId } from '@tendril/crdt-schema/ids';
import { relayHarness } from '../testing/harness.ts';
import { testKey, type TestKey } from '../testing/keys.ts';
import { barrier } from '../testing/docs.ts';

const h = relayHarness();
afterEach(() => h.cleanup());

const addition = (admin: TestKey, workspace: WorkspaceId, added: TestKey): AddAdminFrame =>
  ({ type: FrameType.AddAdmin, workspace, key: added.publicKey, admin: admin.id, signature: admin.sign(addAdminBytes(workspace, added.publicKey)) });

describe('relay admin keys', () => {
  it('lets a registered admin add an admin whose revocations then count', async () => {
    const relay = await h.start();
    const admin = await h.member(relay);
    const restored = testKey();
    const newAdmin = await h.member(relay, admin.workspace, restored);
    const victim = await h.member(relay, admin.workspace);
    // Before: not an admin.
    const at = 1_700_000_000_000;
    const revoke = { type: FrameType.Revoke, workspace: admin.workspace, device: victim.device.id, at, admin: restored.id, signature: restored.sign(revokeBytes(admin.workspace, victim.device.id, at)) } as const;
    newAdmin.client.send(revoke);
    expect(await newAdmin.client.nextError('E_FORBIDDEN')).toMatchObject({ fatal: false });
    admin.client.send(addition(admin.device, admin.workspace, restored));
    await barrier(admin.client);
    expect((await relay.store.getWorkspace(admin.workspace))?.admins).toHaveLength(2);
    newAdmin.client.send(revoke);
    expect(await victim.client.nextError('E_REVOKED')).toMatchObject({ fatal: true });
  });

  it('refuses an addition signed by a non-admin, with a bad signature, or for another workspace', async () => {
    const relay = await h.start();
    const admin = await h.member(relay);
    const member = await h.member(relay, admin.workspace);
    member.client.send(addition(member.device, admin.workspace, member.device));
    expect(await member.client.nextError('E_FORBIDDEN')).toMatchObject({ fatal: false });
    admin.client.send({ ...addition(admin.device, admin.workspace, member.device), signature: new Uint8Array(64).fill(3) });
    expect(await admin.client.nextError('E_AUTH_FAILED')).toMatchObject({ fatal: false });
    const other = await h.member(relay);
    admin.client.send(addition(admin.device, other.workspace, member.device));
    expect(await admin.client.nextError('E_FORBIDDEN')).toMatchObject({ fatal: false });
    expect((await relay.store.getWorkspace(admin.workspace))?.admins).toHaveLength(1);
  });
});
