import { describe, expect, it } from 'vitest';
import type { DeviceId } from '@tendril/crdt-schema/ids';
import type { Member } from '@tendril/crdt-schema/schema';
import { addableDevices, writerRows } from './writer-list.ts';

const member = (device: string, name: string, o: Partial<Member> = {}): Member => ({
  device: device as DeviceId, name, role: 'device', boxPublicKey: new Uint8Array(32), addedBy: 'admin' as DeviceId, addedAt: 1, ...o,
});
const LAPTOP = member('laptop', 'Laptop', { role: 'admin' });
const PHONE = member('phone', 'Phone');
const TABLET = member('tablet', 'Tablet');
const GW = member('gw', 'gw', { role: 'gateway' });
const BOT = member('bot', 'Agent', { role: 'worker' });
const OLD = member('old', 'Old phone', { revokedAt: 5 });
const MEMBERS = [TABLET, GW, PHONE, BOT, OLD, LAPTOP];
const ids = (ms: readonly Member[]) => ms.map((m) => m.device);

describe('writerRows', () => {
  it('names each verified writer and marks the first as the owner', () => {
    expect(writerRows(ids([LAPTOP, BOT, PHONE]), MEMBERS)).toEqual([
      { device: 'laptop', name: 'Laptop', owner: true },
      { device: 'bot', name: 'Agent', owner: false },
      { device: 'phone', name: 'Phone', owner: false },
    ]);
  });
  it('keeps a writer missing from the member list, unnamed', () => {
    expect(writerRows(['ghost' as DeviceId], [])).toEqual([{ device: 'ghost', name: 'an unknown device', owner: true }]);
  });
});

describe('addableDevices', () => {
  it('offers current people’s devices that are not writers yet, by name', () => {
    expect(ids(addableDevices(MEMBERS, ids([LAPTOP])))).toEqual(['phone', 'tablet']);
  });
  it('leaves out writers, gateways, workers and revoked devices', () => {
    expect(ids(addableDevices(MEMBERS, ids([LAPTOP, PHONE, TABLET])))).toEqual([]);
  });
});
