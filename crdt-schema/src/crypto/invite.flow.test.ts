import { describe, expect, it } from 'vitest';
import { fromBase64Url, newDocId, newWorkspaceId, toBase64Url, type InviteId } from '../ids.ts';
import { createDocKeys } from './doc-keys.ts';
import { docKeysToJSON } from './doc-keys-json.ts';
import { createInvite, inviteUnavailable, MAX_INVITE_TTL_MS, pairingCode } from './invite.ts';
import { parseInviteLink } from './invite-link.ts';
import { inviteBlobKey, openInviteLockboxes, openInvitePayload } from './invite-payload.ts';
import { accessIn, checkScope, DEFAULT_SCOPES } from './invite-scope.ts';
import { signInviteToken, verifyInviteToken } from './invite-token.ts';
import { generateDeviceIdentity } from './keys.ts';
import { loadCrypto } from './load.ts';
import { sealLockbox } from './lockbox.ts';
import { secret } from './secret.ts';
import { codeOf } from '../testkit/error-code.ts';

const crypto = await loadCrypto();
const admin = generateDeviceIdentity(crypto);
const joiner = generateDeviceIdentity(crypto);
const workspace = newWorkspaceId();
const NOW = 1_800_000_000_000;
const HOUR = 3600_000;

const invite = (over: Partial<Parameters<typeof createInvite>[1]> = {}) =>
  createInvite(crypto, { issuer: admin, workspace, role: 'device', now: NOW, ttlMs: HOUR, relayUrl: 'wss://relay.example/ws', relayHttpUrl: 'https://relay.example/', ...over });

describe('invites', () => {
  it('put the secret only in the link fragment and parse back', () => {
    const created = invite();
    const link = created.link.expose();
    const url = new URL(link);
    expect(url.origin + url.pathname).toBe('https://relay.example/');
    expect(url.hash.startsWith('#/join/')).toBe(true);
    expect(url.hash).toContain(toBase64Url(created.secret.expose()));
    expect(url.pathname + url.search).not.toContain(toBase64Url(created.secret.expose()));
    expect(JSON.stringify(created)).not.toContain(toBase64Url(created.secret.expose()));
    const parsed = parseInviteLink(link);
    expect(parsed.relayHttpUrl).toBe('https://relay.example');
    expect(parsed.tokenBytes).toEqual(created.tokenBytes);
    expect(parsed.secret.expose()).toEqual(created.secret.expose());
    expect(parsed.token).toEqual(created.token);
  });

  it('verify signature, expiry against the injected clock, one-time use and role scope', () => {
    const { tokenBytes, token } = invite({ role: 'viewer' });
    expect(verifyInviteToken(crypto, tokenBytes, { now: NOW })).toEqual(token);
    expect(token.scope).toEqual(DEFAULT_SCOPES.viewer);
    expect(codeOf(() => verifyInviteToken(crypto, tokenBytes, { now: NOW + HOUR - 1 }))).toBe('ok');
    expect(codeOf(() => verifyInviteToken(crypto, tokenBytes, { now: NOW + HOUR }))).toBe('E_INVITE_EXPIRED');
    expect(codeOf(() => verifyInviteToken(crypto, tokenBytes, { now: NOW, isUsed: (id: InviteId) => id === token.id }))).toBe('E_INVITE_USED');
    expect(codeOf(() => invite({ role: 'viewer', scope: [{ select: { all: true }, access: 'write' }] }))).toBe('E_INVITE_SCOPE');
    expect(codeOf(() => invite({ scope: [] }))).toBe('E_INVITE_SCOPE');
    expect(codeOf(() => invite({ ttlMs: MAX_INVITE_TTL_MS + 1 }))).toBe('E_BAD_INPUT');
    expect(codeOf(() => invite({ relayUrl: 'javascript:alert(1)' }))).toBe('E_BAD_INPUT');
    expect(codeOf(() => invite({ relayHttpUrl: 'wss://relay.example' }))).toBe('E_BAD_INPUT');
  });

  it('refuse any changed byte of the token and tokens signed by someone else', () => {
    const { tokenBytes, token } = invite();
    for (let i = 0; i < tokenBytes.length; i++) {
      const bad = tokenBytes.slice();
      bad[i]! ^= 0x04;
      expect(codeOf(() => verifyInviteToken(crypto, bad, { now: NOW })), `byte ${i}`).toBe('E_INVITE_INVALID');
    }
    const impostor = generateDeviceIdentity(crypto);
    const forged = signInviteToken(crypto, { ...token, issuer: impostor.deviceId }, impostor);
    // Valid on its own (the issuer is named in it), but it names another issuer than the real one.
    expect(verifyInviteToken(crypto, forged, { now: NOW }).issuer).toBe(impostor.deviceId);
    const spliced = new Uint8Array([...tokenBytes.subarray(0, tokenBytes.length - 64), ...forged.subarray(forged.length - 64)]);
    expect(codeOf(() => verifyInviteToken(crypto, spliced, { now: NOW }))).toBe('E_INVITE_INVALID');
    expect(codeOf(() => parseInviteLink('https://relay.example/#/join/abc'))).toBe('E_INVITE_INVALID');
    expect(codeOf(() => parseInviteLink(`https://relay.example/#/join/${toBase64Url(tokenBytes)}.AAAA`))).toBe('E_INVITE_INVALID');
    expect(codeOf(() => parseInviteLink('not a link'))).toBe('E_INVITE_INVALID');
  });

  it('decide scope per document, class and access', () => {
    const doc = newDocId();
    const other = newDocId();
    const worker = DEFAULT_SCOPES.worker;
    expect(accessIn(worker, doc, 'chat')).toBe('write');
    expect(accessIn(worker, doc, 'permissions')).toBe('read');
    expect(accessIn(worker, doc, 'terminal-session')).toBeNull();
    expect(codeOf(() => checkScope(worker, doc, 'write', 'permissions'))).toBe('E_INVITE_SCOPE');
    expect(codeOf(() => checkScope(worker, doc, 'read', 'settings'))).toBe('ok');
    expect(codeOf(() => checkScope(DEFAULT_SCOPES.gateway, doc, 'write', 'terminal-session'))).toBe('ok');
    expect(codeOf(() => checkScope(DEFAULT_SCOPES.gateway, doc, 'write', 'index'))).toBe('E_INVITE_SCOPE');
    expect(codeOf(() => checkScope(DEFAULT_SCOPES.viewer, doc, 'write'))).toBe('E_INVITE_SCOPE');
    const listed = [{ select: { doc }, access: 'write' as const }];
    expect(codeOf(() => checkScope(listed, doc, 'write'))).toBe('ok');
    expect(codeOf(() => checkScope(listed, other, 'read'))).toBe('E_INVITE_SCOPE');
    // Scopes survive the token encoding.
    const { tokenBytes } = invite({ role: 'worker', scope: [...worker, ...listed] });
    expect(verifyInviteToken(crypto, tokenBytes, { now: NOW }).scope).toEqual([...worker, ...listed]);
  });

  it('seal the payload under the secret, bound to the token, with lockboxes only the link holder opens', () => {
    const doc = newDocId();
    const keys = createDocKeys(crypto, doc);
    const created = invite({ role: 'viewer', scope: [{ select: { doc }, access: 'read' }] });
    const lockbox = sealLockbox(crypto, { keys, write: false, sender: admin, recipient: created.lockboxRecipient });
    const blob = created.sealPayload({ workspace: { id: workspace, name: 'Lab' }, lockboxes: [lockbox], info: { index: 'x' } });
    expect(created.blobKey).toBe(inviteBlobKey(crypto, created.secret));
    expect(created.blobKey).not.toContain(toBase64Url(created.secret.expose()).slice(0, 8));
    expect(fromBase64Url(created.blobKey)).toHaveLength(32);

    const { token, tokenBytes, secret: s } = parseInviteLink(created.link.expose());
    const payload = openInvitePayload(crypto, s, tokenBytes, blob);
    expect(payload.workspace).toEqual({ id: workspace, name: 'Lab' });
    expect(payload.info).toEqual({ index: 'x' });
    const [got] = openInviteLockboxes(crypto, token, s, payload);
    expect(docKeysToJSON(got!)).toEqual(docKeysToJSON({ ...keys, writeCap: { publicKey: keys.writeCap.publicKey, secretKey: null } }));

    const wrong = secret(crypto.randomBytes(32));
    expect(codeOf(() => openInvitePayload(crypto, wrong, tokenBytes, blob))).toBe('E_INVITE_INVALID');
    expect(codeOf(() => openInvitePayload(crypto, s, invite().tokenBytes, blob))).toBe('E_INVITE_INVALID');
    // A write lockbox smuggled into a read-only invite is refused.
    const writeBox = sealLockbox(crypto, { keys, write: true, sender: admin, recipient: created.lockboxRecipient });
    const smuggled = openInvitePayload(crypto, s, tokenBytes, created.sealPayload({ workspace: { id: workspace, name: 'Lab' }, lockboxes: [writeBox], info: {} }));
    expect(codeOf(() => openInviteLockboxes(crypto, token, s, smuggled))).toBe('E_INVITE_SCOPE');
  });

  it('show the same six-digit pairing code on both devices, and another one to anyone else', () => {
    const { secret: s } = invite();
    const code = pairingCode(crypto, s, admin.deviceId, joiner.deviceId);
    expect(code).toMatch(/^\d{6}$/);
    expect(pairingCode(crypto, s, admin.deviceId, joiner.deviceId)).toBe(code);
    const other = generateDeviceIdentity(crypto);
    const codes = new Set([code, pairingCode(crypto, s, admin.deviceId, other.deviceId), pairingCode(crypto, secret(crypto.randomBytes(32)), admin.deviceId, joiner.deviceId)]);
    expect(codes.size).toBe(3);
  });

  it('explain a missing relay blob as expired or already used', () => {
    const { token } = invite();
    expect(inviteUnavailable(token, NOW).code).toBe('E_INVITE_USED');
    expect(inviteUnavailable(token, NOW + HOUR).code).toBe('E_INVITE_EXPIRED');
  });
});
