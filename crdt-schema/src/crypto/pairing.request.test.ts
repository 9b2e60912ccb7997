import { describe, expect, it } from 'vitest';
import { newWorkspaceId } from '../ids.ts';
import { createInvite } from './invite.ts';
import { generateDeviceIdentity } from './keys.ts';
import { loadCrypto } from './load.ts';
import { MAX_PAIRING_NAME_BYTES, openPairingRequest, sealPairingRequest } from './pairing.ts';

const crypto = await loadCrypto();

describe('pairing requests', () => {
  const invite = createInvite(crypto, {
    issuer: generateDeviceIdentity(crypto), workspace: newWorkspaceId(), role: 'viewer', now: 0, ttlMs: 60_000,
    relayUrl: 'wss://relay.example/ws', relayHttpUrl: 'https://relay.example/', confirm: true,
  });
  const joiner = generateDeviceIdentity(crypto);

  it('carry the device, its box key and the name its person gave it', () => {
    const r = openPairingRequest(crypto, invite.secret, invite.tokenBytes, sealPairingRequest(crypto, invite.secret, invite.tokenBytes, joiner, 'Küche TV'));
    expect(r).toEqual({ device: joiner.deviceId, boxPublicKey: joiner.boxPublicKey, name: 'Küche TV' });
    expect(openPairingRequest(crypto, invite.secret, invite.tokenBytes, sealPairingRequest(crypto, invite.secret, invite.tokenBytes, joiner)).name).toBe('');
  });

  it('cut a long name at a character boundary within the limit', () => {
    const long = 'ü'.repeat(80);
    const r = openPairingRequest(crypto, invite.secret, invite.tokenBytes, sealPairingRequest(crypto, invite.secret, invite.tokenBytes, joiner, long));
    expect(new TextEncoder().encode(r.name).length).toBeLessThanOrEqual(MAX_PAIRING_NAME_BYTES);
    expect(r.name).toBe('ü'.repeat(MAX_PAIRING_NAME_BYTES / 2));
  });

  it('refuse a request with a byte changed anywhere', () => {
    const sealed = sealPairingRequest(crypto, invite.secret, invite.tokenBytes, joiner, 'tv');
    for (const at of [0, 10, 30, sealed.length - 1]) {
      const bad = sealed.slice();
      bad[at]! ^= 1;
      expect(() => openPairingRequest(crypto, invite.secret, invite.tokenBytes, bad)).toThrow(/pairing/);
    }
  });
});
