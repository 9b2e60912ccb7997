/**
 * The GuestStore acceptance suite; each implementation runs it from its own test file:
 *
 *   runGuestStoreTests('sqlite', () => openSqliteGuestStore(path), { reopen })
 */
import { afterEach, describe, expect, it } from 'vitest';
import { newGuestLinkId, newWorkspaceId } from '@tendril/crdt-schema/ids';
import type { GuestLinkRecord, GuestStore } from './guest-types.ts';
import { memoryCodeCounts } from './guest-code-counts.ts';

export interface GuestStoreTestOptions {
  /** Closes `store` and opens the same data again (persistent implementations only). */
  reopen?: (store: GuestStore) => Promise<GuestStore>;
}

const key = (n: number): Uint8Array => new Uint8Array(32).fill(n);

function linkRecord(over: Partial<GuestLinkRecord> = {}): GuestLinkRecord {
  return {
    link: newGuestLinkId(), workspace: newWorkspaceId(), capKey: key(1), codeVerifier: key(2), expiresAt: 0,
    maxVisitors: 2, visitorPerMinute: 10, linkPerMinute: 100, createdAt: 1000, endedAt: 0, ...over,
  };
}

export function runGuestStoreTests(name: string, makeStore: () => GuestStore | Promise<GuestStore>, options: GuestStoreTestOptions = {}): void {
  describe(`GuestStore acceptance: ${name}`, () => {
    const open: GuestStore[] = [];
    const fresh = async (): Promise<GuestStore> => {
      const s = await makeStore();
      open.push(s);
      return s;
    };
    afterEach(async () => {
      await Promise.all(open.splice(0).map((s) => s.close()));
    });

    it('stores a link and replaces its terms, keeping when it was made and whether it ended', async () => {
      const s = await fresh();
      const rec = linkRecord();
      expect(await s.getLink(rec.link)).toBeUndefined();
      await s.putLink(rec);
      expect(await s.getLink(rec.link)).toEqual(rec);
      expect(await s.endLink(rec.link, 5000)).toBe(true);
      await s.putLink({ ...rec, maxVisitors: 9, createdAt: 7000, endedAt: 0 });
      expect(await s.getLink(rec.link)).toEqual({ ...rec, maxVisitors: 9, endedAt: 5000 });
      expect(await s.endLink(rec.link, 6000)).toBe(true);
      expect((await s.getLink(rec.link))?.endedAt).toBe(5000);
      expect(await s.endLink(newGuestLinkId(), 1)).toBe(false);
    });

    it('admits visitors up to the limit, knows a returning one, keeps the first key box', async () => {
      const s = await fresh();
      const rec = linkRecord();
      await s.putLink(rec);
      const a = await s.admitVisitor(rec.link, key(10), key(20), 2000, 2);
      expect(a).toEqual({ status: 'admitted', visitor: { link: rec.link, key: key(10), keyBox: key(20), admittedAt: 2000, endedAt: 0 } });
      expect((await s.admitVisitor(rec.link, key(11), key(21), 2001, 2)).status).toBe('admitted');
      expect(await s.admitVisitor(rec.link, key(12), key(22), 2002, 2)).toEqual({ status: 'full' });
      const back = await s.admitVisitor(rec.link, key(10), key(99), 3000, 2);
      expect(back).toEqual({ status: 'returning', visitor: { link: rec.link, key: key(10), keyBox: key(20), admittedAt: 2000, endedAt: 0 } });
      expect((await s.listVisitors(rec.link)).map((v) => v.key[0])).toEqual([10, 11]);
      expect(await s.listVisitors(newGuestLinkId())).toEqual([]);
    });

    it('lets only one of two concurrent admissions take the last place', async () => {
      const s = await fresh();
      const rec = linkRecord({ maxVisitors: 1 });
      await s.putLink(rec);
      const results = await Promise.all([s.admitVisitor(rec.link, key(1), key(2), 1, 1), s.admitVisitor(rec.link, key(3), key(4), 1, 1)]);
      expect(results.map((r) => r.status).sort()).toEqual(['admitted', 'full']);
    });

    it('counts wrong codes per key: free tries, then a doubling wait up to the ceiling, forgotten after a quiet period', async () => {
      const s = await fresh();
      const rule = { guestCodeDelayMs: 1000, guestCodeMaxDelayMs: 4000, guestCodeForgetMs: 60_000 };
      // A store several processes share keeps the counts; any other counts in process memory.
      const counts = s.codeCounts?.(rule) ?? memoryCodeCounts(rule);
      const key = `ip:${newGuestLinkId()}`;
      const waits: number[] = [];
      let now = 1_000_000;
      for (let i = 0; i < 6; i++) {
        expect(await counts.wait(key, now)).toBe(0);
        const w = await counts.failed(key, 2, now);
        waits.push(w);
        expect(await counts.wait(key, now)).toBe(w);
        now += w;
      }
      expect(waits).toEqual([0, 0, 1000, 2000, 4000, 4000]);
      expect(await counts.wait(`ip:${newGuestLinkId()}`, now)).toBe(0);
      now += 60_000;
      expect(await counts.wait(key, now)).toBe(0);
      expect(await counts.failed(key, 2, now)).toBe(0);
    });

    it('ends one visitor without touching the others', async () => {
      const s = await fresh();
      const rec = linkRecord();
      await s.putLink(rec);
      await s.admitVisitor(rec.link, key(10), key(20), 2000, 2);
      await s.admitVisitor(rec.link, key(11), key(21), 2000, 2);
      expect(await s.endVisitor(rec.link, key(10), 4000)).toBe(true);
      expect(await s.endVisitor(rec.link, key(10), 5000)).toBe(true);
      expect((await s.getVisitor(rec.link, key(10)))?.endedAt).toBe(4000);
      expect((await s.getVisitor(rec.link, key(11)))?.endedAt).toBe(0);
      expect(await s.endVisitor(rec.link, key(12), 4000)).toBe(false);
      expect(await s.getVisitor(rec.link, key(12))).toBeUndefined();
    });

    if (options.reopen) {
      const reopen = options.reopen;
      it('keeps links and visitors across a reopen', async () => {
        const s = await fresh();
        const rec = linkRecord();
        await s.putLink(rec);
        await s.admitVisitor(rec.link, key(10), key(20), 2000, 2);
        await s.endVisitor(rec.link, key(10), 3000);
        open.splice(open.indexOf(s), 1);
        const again = await reopen(s);
        open.push(again);
        expect(await again.getLink(rec.link)).toEqual(rec);
        expect(await again.listVisitors(rec.link)).toEqual([{ link: rec.link, key: key(10), keyBox: key(20), admittedAt: 2000, endedAt: 3000 }]);
      });
    }
  });
}
