/** Integration: an admin's signed revocation closes the device's connections and refuses its later hellos. */
import { afterEach, describe, expect, it } from 'vitest';
import { newWorkspaceId } from '@tendril/crdt-schema/ids';
import { FrameType, revokeBytes, type RevokeFrame } from '@tendril/crdt-schema/wire';
import type { WorkspaceId } from '@tendril/crdt-schema/ids';
import { relayHarness } from '../testing/harness.ts';
import { testKey, type TestKey } from '../testing/keys.ts';
import { barrier } from '../testing/docs.ts';

const h = relayHarness();
afterEach(() => h.cleanup());

function revocation(admin: TestKey, workspace: WorkspaceId, device: TestKey, at = 1_700_000_000_000): RevokeFrame {
  return { type: FrameType.Revoke, workspace, device: device.id, at, admin: admin.id, signature: admin.sign(revokeBytes(workspace, device.id, at)) };
}

describe('relay revocation', () => {
  it('closes every connection of the revoked device with E_REVOKED and refuses it afterwards', async () => {
    const relay = await h.start();
    const admin = await h.member(relay);
    const victim = testKey();
    const v1 = await h.member(relay, admin.workspace, victim);
    const v2 = await h.member(relay, admin.workspace, victim);
    const bystander = await h.member(relay, admin.workspace);
    admin.client.send(revocation(admin.device, admin.workspace, victim));
    for (const v of [v1, v2]) {
      expect(await v.client.nextError('E_REVOKED')).toMatchObject({ fatal: true });
      await v.client.closed;
    }
    expect(bystander.client.isOpen).toBe(true);
    expect(await relay.store.isRevoked(admin.workspace, victim.id)).toBe(true);
    const again = await h.connect(relay);
    expect(await again.hello(victim, admin.workspace)).toMatchObject({ code: 'E_REVOKED', fatal: true });
  });

  it('refuses a revocation signed by a non-admin or with a bad signature, and one for another workspace', async () => {
    const relay = await h.start();
    const admin = await h.member(relay);
    const member = await h.member(relay, admin.workspace);
    const victim = await h.member(relay, admin.workspace);
    member.client.send(revocation(member.device, admin.workspace, victim.device));
    expect(await member.client.nextError('E_FORBIDDEN')).toMatchObject({ fatal: false });
    const forged = { ...revocation(admin.device, admin.workspace, victim.device), signature: new Uint8Array(64).fill(7) };
    member.client.send(forged);
    expect(await member.client.nextError('E_AUTH_FAILED')).toMatchObject({ fatal: false });
    admin.client.send(revocation(admin.device, newWorkspaceId(), victim.device));
    expect(await admin.client.nextError('E_FORBIDDEN')).toMatchObject({ fatal: false });
    await barrier(victim.client);
    expect(victim.client.isOpen).toBe(true);
    expect(await relay.store.isRevoked(admin.workspace, victim.device.id)).toBe(false);
  });
});
