/**
 * A new admin device (as a restored admin backup makes one: a fresh device
 * enrolled with a certificate signed by the backed-up admin identity) becomes
 * an admin at the relay too once that identity signs its key in AddAdmin;
 * only then does the relay honour its revocations (before, the revocation
 * fails with E_FORBIDDEN and nothing rotates).
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateDeviceIdentity } from '@tendril/crdt-schema/crypto';
import type { DeviceId } from '@tendril/crdt-schema/ids';
import { Scope } from '@tendril/crdt-schema/keyring';
import { enrolAtRelay, registerRelayAdmin, revokeDevice, signMemberCert, type WorkspaceSession } from '@tendril/crdt-schema/workspace';
import { createHome } from '../src/home/device-home.ts';
import { openNodeSession } from '../src/peer/node-peer.ts';
import { cli, cliOk, eventually, relayFixture } from './harness.ts';
import { makeWorkspace, type Workspace } from './peers.ts';

describe('admins added at the relay', () => {
  const env = relayFixture('relay-admin', { beforeAll, afterAll });
  let ws: Workspace;

  beforeAll(async () => {
    ws = await makeWorkspace(env.dir, env.relay.url, 2);
  }, 60_000);

  /** A new admin device enrolled by the first admin, as a backup restore does it. */
  async function newAdmin(name: string): Promise<{ restored: WorkspaceSession; first: WorkspaceSession }> {
    const first = await ws.open(0);
    await first.syncOrQueue(10_000);
    const identity = generateDeviceIdentity(ws.crypto);
    const config = { ...first.home.config, deviceName: name };
    const cert = signMemberCert(ws.crypto, { workspace: config.workspace, device: identity.deviceId, role: 'admin', boxPublicKey: identity.boxPublicKey, via: { admin: first.home.identity.deviceId } }, first.home.identity);
    first.workspace().members.add({ device: identity.deviceId, name, role: 'admin', boxPublicKey: identity.boxPublicKey, addedBy: first.home.identity.deviceId, cert });
    expect(await first.syncOrQueue(10_000)).toBe('synced');
    // A member at the relay (so it syncs), not yet an admin there.
    await enrolAtRelay(ws.crypto, first, identity.signPublicKey);
    const home = createHome(ws.crypto, join(env.dir, name), identity, config, first.home.keys);
    return { restored: await openNodeSession(ws.crypto, home, { clientName: 'test-restored' }), first };
  }

  const idOf = async (home: string, name: string): Promise<DeviceId> =>
    (await cliOk('devices', 'list', '--home', home)).out.find((l) => l.includes(name))!.split(/\s+/)[0]! as DeviceId;

  it('ignores a new admin\'s revocation until an admin it knows vouches for the key, then honours it', async () => {
    // Read before the first admin's home is held open below: one process at a time uses a home.
    const victim1 = await idOf(ws.homes[0]!, 'device-1');
    const victim2 = await idOf(ws.homes[0]!, 'device-2');
    const { restored, first } = await newAdmin('restored');
    await restored.syncOrQueue(10_000);
    // Not a relay admin yet: the relay refuses the revocation, and nothing rotates.
    const epochBefore = restored.home.keys.get(Scope.Index)!.current;
    await expect(revokeDevice(ws.crypto, restored, victim1, Date.now())).rejects.toMatchObject({ code: 'E_FORBIDDEN' });
    expect(restored.home.keys.get(Scope.Index)!.current).toBe(epochBefore);
    const still = await cli('sync', '--home', ws.homes[1]!, '--timeout', '3');
    expect(still.err.join('\n')).not.toMatch(/E_REVOKED/);

    await registerRelayAdmin(ws.crypto, restored, first.home.identity);
    await eventually(async () => {
      await revokeDevice(ws.crypto, restored, victim2, Date.now());
      return (await cli('sync', '--home', ws.homes[2]!, '--timeout', '3')).err.join('\n').includes('E_REVOKED');
    }, 20_000, 'the relay to refuse the revoked device');
    await restored.close();
    await first.close();
  });
});
