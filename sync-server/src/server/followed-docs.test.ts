/** The documents a connection follows: one held in a field, more in a Map, the same answers either way. */
import { describe, expect, it } from 'vitest';
import { newDocId, type DocId } from '@tendril/crdt-schema/ids';
import { FollowedDocs } from './followed-docs.ts';
import type { Subscription } from './subscription.ts';

const sub = (doc: DocId): Subscription => ({ doc }) as Subscription;

describe('followed documents', () => {
  it('answers like a Map keyed by document through one, several and none', () => {
    const docs = new FollowedDocs();
    const [a, b, c] = [newDocId(), newDocId(), newDocId()];
    expect([docs.size, docs.get(a), docs.has(a), docs.values()]).toEqual([0, undefined, false, []]);
    const sa = sub(a);
    docs.set(sa);
    expect([docs.size, docs.get(a), docs.has(a), docs.get(b)]).toEqual([1, sa, true, undefined]);
    const sa2 = sub(a);
    docs.set(sa2); // a resubscribe replaces
    expect([docs.size, docs.get(a)]).toEqual([1, sa2]);
    const [sb, sc] = [sub(b), sub(c)];
    docs.set(sb);
    docs.set(sc);
    expect(docs.size).toBe(3);
    expect(docs.values()).toEqual([sa2, sb, sc]);
    expect(docs.delete(b)).toBe(true);
    expect(docs.delete(b)).toBe(false);
    expect([docs.size, docs.get(b), docs.get(c)]).toEqual([2, undefined, sc]);
    expect(docs.delete(a) && docs.delete(c)).toBe(true);
    expect([docs.size, docs.values()]).toEqual([0, []]);
    docs.set(sb);
    expect([docs.size, docs.get(b)]).toEqual([1, sb]);
    expect(docs.delete(a)).toBe(false);
    docs.clear();
    expect([docs.size, docs.has(b)]).toEqual([0, false]);
  });
});
