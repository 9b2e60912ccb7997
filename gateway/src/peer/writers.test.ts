import * as Y from 'yjs';
import { describe, expect, it } from 'vitest';
import { loadCrypto } from '@tendril/crdt-schema/crypto';
import { generateDeviceIdentity } from '@tendril/crdt-schema/crypto';
import { newSessionId, type DeviceId } from '@tendril/crdt-schema/ids';
import type { Role } from '@tendril/crdt-schema/keyring';
import { terminalDoc } from '@tendril/crdt-schema/schema';
import type { Directory, MemberRecord } from '@tendril/crdt-schema/workspace';
import { signOwner, signWriter } from './signatures.ts';
import { memoWriterCheck, provenOwner, verifiedWriters, writersOf } from './writers.ts';

const crypto = await loadCrypto({ ed25519: 'sodium' });

describe('the writer list the gateway trusts', () => {
  it('is the owner plus entries signed by the owner or an admin, for current members only', () => {
    const records = new Map<DeviceId, MemberRecord>();
    const directory: Directory = { member: (d) => records.get(d) };
    const member = (role: Role) => {
      const id = generateDeviceIdentity(crypto);
      records.set(id.deviceId, { role });
      return id;
    };
    const [owner, admin, device, guest, stranger, revoked] = [member('device'), member('admin'), member('device'), member('device'), member('device'), member('device')];
    const session = newSessionId();
    const doc = terminalDoc(new Y.Doc());
    doc.init({ sessionId: session, title: 't', gateway: member('gateway').deviceId, owner: owner.deviceId });
    doc.writers.add(guest.deviceId, owner.deviceId, signWriter(crypto, owner, session, guest.deviceId));
    doc.writers.add(stranger.deviceId, device.deviceId, signWriter(crypto, device, session, stranger.deviceId));
    doc.writers.add(device.deviceId, admin.deviceId, signWriter(crypto, admin, session, device.deviceId));
    doc.writers.add(revoked.deviceId, owner.deviceId, signWriter(crypto, owner, session, revoked.deviceId));
    doc.writers.add(admin.deviceId, owner.deviceId);
    records.set(revoked.deviceId, { role: 'device', revokedAtEpoch: 1 });
    const writers = writersOf(crypto, directory, owner.deviceId, doc, session);
    expect(writers[0]).toBe(owner.deviceId);
    expect(new Set(writers)).toEqual(new Set([owner.deviceId, guest.deviceId, device.deviceId]));
    // An entry signed for another session does not count here.
    const other = terminalDoc(new Y.Doc());
    other.init({ sessionId: newSessionId(), title: 't', gateway: owner.deviceId, owner: owner.deviceId });
    other.writers.add(guest.deviceId, owner.deviceId, signWriter(crypto, owner, session, guest.deviceId));
    expect(writersOf(crypto, directory, owner.deviceId, other, other.info()!.sessionId)).toEqual([owner.deviceId]);
  });

  it('checks each signed entry once when memoized, and a changed entry again', () => {
    const records = new Map<DeviceId, MemberRecord>();
    const directory: Directory = { member: (d) => records.get(d) };
    const [owner, guest] = [generateDeviceIdentity(crypto), generateDeviceIdentity(crypto)];
    for (const id of [owner, guest]) records.set(id.deviceId, { role: 'device' });
    let verifies = 0;
    const counting = { ...crypto, verify: (...a: Parameters<typeof crypto.verify>) => (verifies++, crypto.verify(...a)) };
    const session = newSessionId();
    const doc = terminalDoc(new Y.Doc());
    doc.init({ sessionId: session, title: 't', gateway: owner.deviceId, owner: owner.deviceId });
    doc.writers.add(guest.deviceId, owner.deviceId, signWriter(crypto, owner, session, guest.deviceId));
    const check = memoWriterCheck(counting);
    for (let i = 0; i < 5; i++) expect(writersOf(counting, directory, owner.deviceId, doc, session, check)).toEqual([owner.deviceId, guest.deviceId]);
    expect(verifies).toBe(1);
    doc.writers.add(guest.deviceId, owner.deviceId, new Uint8Array(64).fill(1));
    expect(writersOf(counting, directory, owner.deviceId, doc, session, check)).toEqual([owner.deviceId]);
    expect(verifies).toBe(2);
  });

  it('is empty when the owner is revoked, whatever entries it signed', () => {
    const records = new Map<DeviceId, MemberRecord>();
    const directory: Directory = { member: (d) => records.get(d) };
    const [owner, guest] = [generateDeviceIdentity(crypto), generateDeviceIdentity(crypto)];
    for (const id of [owner, guest]) records.set(id.deviceId, { role: 'device' });
    const session = newSessionId();
    const doc = terminalDoc(new Y.Doc());
    doc.init({ sessionId: session, title: 't', gateway: owner.deviceId, owner: owner.deviceId });
    doc.writers.add(guest.deviceId, owner.deviceId, signWriter(crypto, owner, session, guest.deviceId));
    expect(writersOf(crypto, directory, owner.deviceId, doc, session)).toEqual([owner.deviceId, guest.deviceId]);
    records.set(owner.deviceId, { role: 'device', revokedAtEpoch: 2 });
    expect(writersOf(crypto, directory, owner.deviceId, doc, session)).toEqual([]);
  });

  it('takes the owner devices see only from the gateway-signed proof, not from the owner field', () => {
    const records = new Map<DeviceId, MemberRecord>();
    const directory: Directory = { member: (d) => records.get(d) };
    const [owner, intruder, gateway] = [generateDeviceIdentity(crypto), generateDeviceIdentity(crypto), generateDeviceIdentity(crypto)];
    records.set(owner.deviceId, { role: 'device' });
    records.set(intruder.deviceId, { role: 'device' });
    records.set(gateway.deviceId, { role: 'gateway' });
    const session = newSessionId();
    const doc = terminalDoc(new Y.Doc());
    doc.init({ sessionId: session, title: 't', gateway: gateway.deviceId, owner: owner.deviceId });
    expect(provenOwner(crypto, directory, doc, session)).toBeUndefined();
    doc.setOwner(owner.deviceId, signOwner(crypto, gateway, session, owner.deviceId));
    expect(provenOwner(crypto, directory, doc, session, gateway.deviceId)).toBe(owner.deviceId);
    expect(verifiedWriters(crypto, directory, doc, session)).toEqual([owner.deviceId]);
    // A member rewrites the owner (keeping the proof, or signing one itself): no owner is proven.
    doc.setOwner(intruder.deviceId, doc.info()!.ownerProof!);
    expect(provenOwner(crypto, directory, doc, session)).toBeUndefined();
    doc.setOwner(intruder.deviceId, signOwner(crypto, intruder, session, intruder.deviceId));
    expect(provenOwner(crypto, directory, doc, session)).toBeUndefined();
    expect(verifiedWriters(crypto, directory, doc, session)).toEqual([]);
    // ...and neither does pointing the document at a device of its own as the gateway.
    const fake = terminalDoc(new Y.Doc());
    fake.init({ sessionId: session, title: 't', gateway: intruder.deviceId, owner: intruder.deviceId });
    fake.setOwner(intruder.deviceId, signOwner(crypto, intruder, session, intruder.deviceId));
    expect(provenOwner(crypto, directory, fake, session)).toBeUndefined();
  });
});
