/**
 * The gateway's input rules for a session with real signatures, a real
 * session document and the real input gate: a member that rewrites the
 * document's owner and lists itself cannot type, while the owner the gateway
 * recorded still can; a revoked writer and a revoked owner are refused.
 */
import * as Y from 'yjs';
import { describe, expect, it } from 'vitest';
import { generateDeviceIdentity, loadCrypto, type DeviceIdentity } from '@tendril/crdt-schema/crypto';
import { newSessionId, type DeviceId } from '@tendril/crdt-schema/ids';
import { terminalDoc } from '@tendril/crdt-schema/schema';
import type { Directory, MemberRecord } from '@tendril/crdt-schema/workspace';
import { InputGate } from '../terminal/input-gate.ts';
import { sessionGate } from './session-gate.ts';
import { signInput, signWriter } from './signatures.ts';

const crypto = await loadCrypto({ ed25519: 'sodium' });

function world() {
  const records = new Map<DeviceId, MemberRecord>();
  const directory: Directory = { member: (d) => records.get(d) };
  const member = (role: MemberRecord['role']) => {
    const id = generateDeviceIdentity(crypto);
    records.set(id.deviceId, { role });
    return id;
  };
  const [owner, writer, intruder, gateway] = [member('device'), member('device'), member('device'), member('gateway')];
  const session = newSessionId();
  const doc = terminalDoc(new Y.Doc());
  doc.init({ sessionId: session, title: 't', gateway: gateway.deviceId, owner: owner.deviceId });
  doc.writers.add(writer.deviceId, owner.deviceId, signWriter(crypto, owner, session, writer.deviceId));
  const gate = new InputGate({ session, ...sessionGate({ crypto, directory, session, owner: () => owner.deviceId, doc: () => doc }) });
  let counter = 0;
  const type = (by: DeviceIdentity, text: string) => {
    const data = new TextEncoder().encode(text);
    counter++;
    return gate.check({ session, counter, data, device: by.deviceId, signature: signInput(crypto, by, session, counter, data) });
  };
  const revoke = (d: DeviceIdentity) => records.set(d.deviceId, { ...records.get(d.deviceId)!, revokedAtEpoch: 3 });
  return { owner, writer, intruder, session, doc, type, revoke };
}

describe("the gateway's input rules for a session", () => {
  it('ignores an owner and writer entries a member wrote into the document', () => {
    const w = world();
    w.doc.setOwner(w.intruder.deviceId, new Uint8Array(64));
    w.doc.writers.add(w.intruder.deviceId, w.intruder.deviceId, signWriter(crypto, w.intruder, w.session, w.intruder.deviceId));
    expect(w.type(w.intruder, 'id\r')).toMatchObject({ ok: false, reason: 'not-writer' });
    expect(w.type(w.owner, 'echo owner\r')).toMatchObject({ ok: true, device: w.owner.deviceId });
    expect(w.type(w.writer, 'echo writer\r')).toMatchObject({ ok: true, device: w.writer.deviceId });
  });

  it("refuses a revoked writer's input", () => {
    const w = world();
    expect(w.type(w.writer, 'a')).toMatchObject({ ok: true });
    w.revoke(w.writer);
    expect(w.type(w.writer, 'b')).toMatchObject({ ok: false, reason: 'revoked' });
    expect(w.type(w.owner, 'c')).toMatchObject({ ok: true });
  });

  it("refuses a revoked owner's input, and the entries it signed", () => {
    const w = world();
    expect(w.type(w.owner, 'a')).toMatchObject({ ok: true });
    w.revoke(w.owner);
    expect(w.type(w.owner, 'b')).toMatchObject({ ok: false, reason: 'revoked' });
    expect(w.type(w.writer, 'c')).toMatchObject({ ok: false, reason: 'not-writer' });
  });
});
