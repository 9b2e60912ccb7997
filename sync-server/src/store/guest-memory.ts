/** The GuestStore in process memory: for tests and for relays whose data lives elsewhere (see start.ts). */
import type { GuestLinkId } from '@tendril/crdt-schema/ids';
import { toBase64Url } from '@tendril/crdt-schema/ids';
import type { AdmitResult, GuestLinkRecord, GuestStore, GuestVisitorRecord } from './guest-types.ts';

export function createMemoryGuestStore(): GuestStore {
  const links = new Map<GuestLinkId, GuestLinkRecord>();
  const visitors = new Map<GuestLinkId, Map<string, GuestVisitorRecord>>();
  const copy = <T extends object>(r: T | undefined): T | undefined => (r ? structuredClone(r) : undefined);
  return {
    putLink(record) {
      const old = links.get(record.link);
      links.set(record.link, structuredClone({ ...record, ...(old ? { createdAt: old.createdAt, endedAt: old.endedAt } : {}) }));
      return Promise.resolve();
    },
    getLink: (link) => Promise.resolve(copy(links.get(link))),
    endLink(link, at) {
      const old = links.get(link);
      if (old && old.endedAt === 0) links.set(link, { ...old, endedAt: at });
      return Promise.resolve(old !== undefined);
    },
    admitVisitor(link, key, keyBox, at, maxVisitors): Promise<AdmitResult> {
      let of = visitors.get(link);
      if (!of) visitors.set(link, (of = new Map()));
      const id = toBase64Url(key);
      const known = of.get(id);
      if (known) return Promise.resolve({ status: 'returning', visitor: structuredClone(known) });
      if (of.size >= maxVisitors) return Promise.resolve({ status: 'full' });
      const visitor: GuestVisitorRecord = { link, key: key.slice(), keyBox: keyBox.slice(), admittedAt: at, endedAt: 0 };
      of.set(id, visitor);
      return Promise.resolve({ status: 'admitted', visitor: structuredClone(visitor) });
    },
    getVisitor: (link, key) => Promise.resolve(copy(visitors.get(link)?.get(toBase64Url(key)))),
    listVisitors: (link) => Promise.resolve([...(visitors.get(link)?.values() ?? [])].map((v) => structuredClone(v))),
    endVisitor(link, key, at) {
      const of = visitors.get(link);
      const old = of?.get(toBase64Url(key));
      if (of && old && old.endedAt === 0) of.set(toBase64Url(key), { ...old, endedAt: at });
      return Promise.resolve(old !== undefined);
    },
    close: () => Promise.resolve(),
  };
}
