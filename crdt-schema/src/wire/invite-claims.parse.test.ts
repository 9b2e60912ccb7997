/** The relay's reading of an invite token agrees with the token's own codec, and its signature check. */
import { describe, expect, it } from 'vitest';
import { createInvite } from '../crypto/invite.ts';
import { generateDeviceIdentity } from '../crypto/keys.ts';
import { loadCrypto } from '../crypto/load.ts';
import { decodeInviteToken } from '../crypto/invite-token.ts';
import { isTendrilError } from '../errors.ts';
import { newWorkspaceId, publicKeyOfDevice } from '../ids.ts';
import { readInviteClaims } from './invite-claims.ts';

describe('readInviteClaims', () => {
  it('reads what decodeInviteToken reads, and the issuer signature verifies over the signed bytes', async () => {
    const crypto = await loadCrypto();
    const issuer = generateDeviceIdentity(crypto);
    const invite = createInvite(crypto, {
      issuer, workspace: newWorkspaceId(), role: 'device', scope: [{ select: { all: true }, access: 'write' }], now: 1000, ttlMs: 60_000,
      relayUrl: 'ws://relay.test/sync', relayHttpUrl: 'http://relay.test', confirm: false,
    });
    const tokenBytes = invite.tokenBytes;
    const { token } = decodeInviteToken(tokenBytes);
    const claims = readInviteClaims(tokenBytes);
    expect(claims).toMatchObject({ invite: token.id, workspace: token.workspace, expiresAt: token.expiresAt, enrollKey: token.enrollKey });
    expect(claims.issuerKey).toEqual(publicKeyOfDevice(token.issuer));
    expect(crypto.verify(claims.signature, claims.signed, claims.issuerKey)).toBe(true);
    const tampered = tokenBytes.slice();
    tampered[5] = tampered[5]! ^ 1;
    const t = (() => { try { return readInviteClaims(tampered); } catch { return null; } })();
    if (t) expect(crypto.verify(t.signature, t.signed, t.issuerKey)).toBe(false);
    expect(() => readInviteClaims(new Uint8Array(10))).toThrow();
    try {
      readInviteClaims(new Uint8Array(100));
    } catch (e) {
      expect(isTendrilError(e, 'E_INVITE_INVALID')).toBe(true);
    }
  });
});
