/**
 * Presence payloads are bound to their kind, document, sender and key epoch:
 * they open only for the document and sender they were sealed for, and not
 * from a device revoked at that epoch.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { generateDeviceIdentity, loadCrypto, type CryptoProvider, type DeviceIdentity } from '../crypto/index.ts';
import { newDocId, newWorkspaceId, type DeviceId } from '../ids.ts';
import { generateWorkspaceKeys } from '../keyring/workspace-keys.ts';
import { createDocCipher } from './cipher.ts';
import type { Directory } from './directory.ts';

let crypto: CryptoProvider;
let alice: DeviceIdentity;
let bob: DeviceIdentity;
beforeAll(async () => {
  crypto = await loadCrypto();
  alice = generateDeviceIdentity(crypto);
  bob = generateDeviceIdentity(crypto);
});

describe('presence sealing', () => {
  it('opens only for its document, its sender, and members', () => {
    const keys = generateWorkspaceKeys(crypto, newWorkspaceId());
    const members = new Set<DeviceId>([alice.deviceId, bob.deviceId]);
    const revoked = new Set<DeviceId>();
    const directory: Directory = { member: (d) => (members.has(d) ? { role: 'device', ...(revoked.has(d) ? { revokedAtEpoch: 0 } : {}) } : undefined) };
    const make = (identity: DeviceIdentity, doc = chatDoc) =>
      createDocCipher({ crypto, identity, doc, scope: 'chat', keys: () => keys.get('chat')!, directory, localKey: crypto.randomBytes(32) });
    const chatDoc = newDocId();
    const sealed = make(alice).sealEphemeral('presence', new TextEncoder().encode('here'));
    expect(new TextDecoder().decode(make(bob).openEphemeral('presence', alice.deviceId, sealed)!)).toBe('here');
    expect(make(bob).openEphemeral('presence', bob.deviceId, sealed)).toBeNull();
    expect(make(bob, newDocId()).openEphemeral('presence', alice.deviceId, sealed)).toBeNull();
    const tampered = sealed.slice();
    tampered[tampered.length - 1]! ^= 1;
    expect(make(bob).openEphemeral('presence', alice.deviceId, tampered)).toBeNull();
    expect(make(bob).openEphemeral('stream', alice.deviceId, sealed)).toBeNull();
    revoked.add(alice.deviceId);
    expect(make(bob).openEphemeral('presence', alice.deviceId, sealed)).toBeNull();
  });
});
