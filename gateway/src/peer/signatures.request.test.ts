/**
 * Start requests: an agent configuration rides in v2 of the signed request (covered by the
 * signature), a request without one stays v1 so older gateways still read it, and a v2 request whose
 * agent was changed after signing is refused.
 */
import { generateDeviceIdentity, loadCrypto } from '@tendril/crdt-schema/crypto';
import { newDocId, newSessionId } from '@tendril/crdt-schema/ids';
import { describe, expect, it } from 'vitest';
import { openSessionRequest, signSessionRequest, type SessionRequest } from './signatures.ts';

const crypto = await loadCrypto({ ed25519: 'sodium' });
const me = generateDeviceIdentity(crypto);
const gw = generateDeviceIdentity(crypto);
const base: SessionRequest = { kind: 'start', session: newSessionId(), doc: newDocId(), gateway: gw.deviceId, title: 't', cwd: '/srv/p', requester: me.deviceId };

describe('signed start requests', () => {
  it('carry the agent and notes, signed', () => {
    const bytes = signSessionRequest(crypto, { ...base, agent: 'claude', notes: 'use pnpm' }, me);
    expect(new TextDecoder().decode(bytes)).toContain('tendril/term-request/v2');
    expect(openSessionRequest(crypto, bytes)).toEqual({ ...base, agent: 'claude', notes: 'use pnpm' });
  });

  it('stay v1 without an agent', () => {
    const bytes = signSessionRequest(crypto, base, me);
    expect(new TextDecoder().decode(bytes)).toContain('tendril/term-request/v1');
    expect(openSessionRequest(crypto, bytes)).toEqual(base);
  });

  it('are refused when the agent was changed after signing', () => {
    const bytes = signSessionRequest(crypto, { ...base, agent: 'codex' }, me);
    const text = Buffer.from(bytes);
    const at = text.indexOf('codex');
    text.write('gemin', at, 'latin1');
    expect(openSessionRequest(crypto, new Uint8Array(text))).toBeNull();
  });
});
