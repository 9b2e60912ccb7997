/** An agent's memory document: entries replaced whole, embeddings kept only with the value they were computed from, bad input refused. */
import * as Y from 'yjs';
import { describe, expect, it } from 'vitest';
import { MAX_MEMORY_ENTRIES, memoryDoc } from './memory.ts';
import { readMeta } from './meta.ts';

const DEVICE = `${'D'.repeat(42)}A` as never;
const vec = (...xs: number[]) => ({ model: 'local/embed', vector: Float32Array.from(xs) });

describe('memory document', () => {
  it('stores, reads, lists, deletes and clears entries', () => {
    const doc = new Y.Doc();
    const mem = memoryDoc(doc, { now: () => 1000 });
    mem.set('city', 'Lisbon', DEVICE);
    mem.set('  colour ', 'teal');
    expect(readMeta(doc)).toEqual({ kind: 'memory', schemaVersion: 1 });
    expect(mem.get('colour')).toEqual({ key: 'colour', value: 'teal', updatedAt: 1000 });
    expect(mem.list().map((e) => e.key)).toEqual(['city', 'colour']);
    expect(mem.toJSON().entries[0]).toEqual({ key: 'city', value: 'Lisbon', updatedAt: 1000, updatedBy: DEVICE });
    expect(mem.delete('city')).toBe(true);
    expect(mem.delete('city')).toBe(false);
    expect(mem.clear()).toBe(1);
    expect(mem.list()).toEqual([]);
  });

  it('keeps an embedding only with the value it was computed from', () => {
    const mem = memoryDoc(new Y.Doc());
    mem.set('colour', 'teal', undefined, vec(0.5, -0.25));
    expect(Array.from(mem.get('colour')!.embedding!.vector)).toEqual([0.5, -0.25]);
    mem.set('colour', 'green');
    expect(mem.get('colour')!.embedding).toBeUndefined();
    expect(mem.attachEmbedding('colour', 'teal', vec(1))).toBe(false);
    expect(mem.attachEmbedding('colour', 'green', vec(1, 2))).toBe(true);
    expect(mem.get('colour')).toMatchObject({ value: 'green', embedding: { model: 'local/embed' } });
  });

  it('converges when two devices write the same key: one whole record wins on both', () => {
    const a = new Y.Doc();
    const b = new Y.Doc();
    memoryDoc(a).set('colour', 'teal', undefined, vec(1, 0));
    memoryDoc(b).set('colour', 'green');
    Y.applyUpdate(a, Y.encodeStateAsUpdate(b));
    Y.applyUpdate(b, Y.encodeStateAsUpdate(a));
    const [x, y] = [memoryDoc(a).get('colour')!, memoryDoc(b).get('colour')!];
    expect(x.value).toBe(y.value);
    expect(x.embedding === undefined).toBe(x.value === 'green');
  });

  it('refuses bad keys, values, embeddings and a full memory, writing nothing', () => {
    const mem = memoryDoc(new Y.Doc());
    expect(() => mem.set('', 'x')).toThrow(/key/);
    expect(() => mem.set('a\nb', 'x')).toThrow(/one line/);
    expect(() => mem.set('k', 'x'.repeat(10_001))).toThrow(/value/);
    expect(() => mem.set('k', 'v', undefined, vec(Number.NaN))).toThrow(/finite/);
    expect(() => mem.set('k', 'v', undefined, { model: 'm', vector: new Float32Array(0) })).toThrow(/embedding/);
    expect(mem.list()).toEqual([]);
    const full = memoryDoc(new Y.Doc());
    for (let i = 0; i < MAX_MEMORY_ENTRIES; i++) full.set(`k${i}`, 'v');
    expect(() => full.set('one more', 'v')).toThrow(/memory is full/);
    expect(full.set('k0', 'replaced').value).toBe('replaced');
  });

  it('skips malformed entries another writer put there', () => {
    const doc = new Y.Doc();
    const mem = memoryDoc(doc);
    mem.set('good', 'yes');
    doc.getMap('entries').set('bad', { value: 42 });
    doc.getMap('entries').set('odd', { value: 'x', updatedAt: 1, embedding: new Uint8Array(3), embeddingModel: 'm' });
    expect(mem.list().map((e) => [e.key, e.embedding])).toEqual([['good', undefined], ['odd', undefined]]);
  });
});
