/**
 * Recall: an agent's memory entries and the chats and indexed folders it may
 * read, searched by meaning and by words at once (Orama's hybrid search:
 * BM25 over the text, cosine similarity over embeddings from the user's own
 * provider), or by words alone when no embedding model is set or it fails;
 * the result then says so.
 *
 * Where the vectors live: a memory entry's vector is stored with it in the
 * agent's memory document (sealed like every update, synced, so each entry
 * is embedded once for every device). Chat and folder passages are embedded
 * on demand and kept in an EmbeddingCache (keyed by the embedder, the
 * passage id and a hash of its text), which the runner persists sealed with
 * its device's local key in its own local store (recall-cache-store.ts),
 * never synced: another device embeds for itself, and the relay never holds
 * a passage vector. The Orama index is built in memory for each search from
 * those vectors and never written anywhere.
 */
import { create, insertMultiple, search, type AnyOrama } from '@orama/orama';
import type { Embedder } from '../llm/embeddings.ts';

export interface RecallItem {
  readonly kind: 'memory' | 'message' | 'file';
  /** Stable id of the passage (memory key, message id). */
  readonly ref: string;
  /** Where it is, for the result line. */
  readonly where: string;
  readonly text: string;
  /** The stored vector (memory entries), when it was made by the current embedder. */
  readonly vector?: Float32Array;
}

export interface RecallHit {
  readonly item: RecallItem;
  readonly score: number;
}

export interface RecallResult {
  readonly mode: 'hybrid' | 'keyword';
  /** Why the search was by words only. */
  readonly fallback?: string;
  readonly hits: RecallHit[];
  /** Memory entries embedded during this search (to store with the entry). */
  readonly embedded: ReadonlyMap<string, Float32Array>;
}

/** Vector hits below this cosine similarity are dropped (unrelated text still scores a little). */
export const MIN_SIMILARITY = 0.3;
const MAX_PASSAGE_CHARS = 4_000;

function fnv(text: string): string {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  return (h >>> 0).toString(36);
}

/** Passage vectors of this runner, most recently used kept; never written anywhere. */
export class EmbeddingCache {
  private readonly map = new Map<string, Float32Array>();
  constructor(private readonly max = 20_000) {}
  private key(embedder: string, ref: string, text: string): string {
    return `${embedder}\u0000${ref}\u0000${text.length}\u0000${fnv(text)}`;
  }
  get(embedder: string, ref: string, text: string): Float32Array | undefined {
    const k = this.key(embedder, ref, text);
    const v = this.map.get(k);
    if (v) {
      this.map.delete(k);
      this.map.set(k, v);
    }
    return v;
  }
  set(embedder: string, ref: string, text: string, v: Float32Array): void {
    this.map.set(this.key(embedder, ref, text), v);
    while (this.map.size > this.max) this.map.delete(this.map.keys().next().value!);
    this.changed = true;
  }
  /** Set by a new vector; the persisting side clears it once saved. */
  changed = false;
  /** The most recently used `limit` vectors, oldest first (what recall-cache-store.ts seals). */
  entries(limit = this.max): [string, Float32Array][] {
    return [...this.map.entries()].slice(-limit);
  }
  /** Puts back entries as `entries` gave them (a restart), before any new ones. */
  restore(entries: Iterable<[string, Float32Array]>): void {
    for (const [k, v] of entries) if (!this.map.has(k)) this.map.set(k, v);
    while (this.map.size > this.max) this.map.delete(this.map.keys().next().value!);
  }
  get size(): number {
    return this.map.size;
  }
}

const clipText = (t: string): string => (t.length <= MAX_PASSAGE_CHARS ? t : t.slice(0, MAX_PASSAGE_CHARS));

async function vectorsFor(items: readonly RecallItem[], embedder: Embedder, cache: EmbeddingCache, signal?: AbortSignal): Promise<{ vectors: Float32Array[]; embedded: Map<string, Float32Array> }> {
  const vectors: (Float32Array | undefined)[] = items.map((it) => it.vector ?? (it.kind === 'memory' ? undefined : cache.get(embedder.id, it.ref, it.text)));
  const missing = items.map((it, i) => ({ it, i })).filter((x) => vectors[x.i] === undefined);
  const embedded = new Map<string, Float32Array>();
  if (missing.length > 0) {
    const got = await embedder.embed(missing.map((m) => clipText(m.it.text)), signal);
    missing.forEach((m, j) => {
      vectors[m.i] = got[j]!;
      if (m.it.kind === 'memory') embedded.set(m.it.ref, got[j]!);
      else cache.set(embedder.id, m.it.ref, m.it.text, got[j]!);
    });
  }
  return { vectors: vectors as Float32Array[], embedded };
}

async function index(items: readonly RecallItem[], vectors?: readonly Float32Array[]): Promise<AnyOrama> {
  const dims = vectors?.[0]?.length;
  const schema = { n: 'number', text: 'string', ...(dims ? { embedding: `vector[${dims}]` as const } : {}) } as const;
  const db = create({ schema });
  await insertMultiple(db, items.map((it, n) => ({ n, text: it.text, ...(vectors && dims ? { embedding: Array.from(vectors[n]!) } : {}) })));
  return db;
}

/**
 * The best `limit` of `items` for `query`: hybrid when an embedder is given and answers, else by
 * words (with the reason in `fallback`). Stored vectors of another embedder are ignored.
 */
export async function recall(items: readonly RecallItem[], query: string, o: { embedder?: Embedder; cache: EmbeddingCache; limit: number; signal?: AbortSignal }): Promise<RecallResult> {
  let fallback = o.embedder ? undefined : 'no embedding model is set for this workspace (Settings, or tendril agent memory --embedding-model)';
  let vectors: Float32Array[] | undefined;
  let queryVector: Float32Array | undefined;
  let embedded: ReadonlyMap<string, Float32Array> = new Map();
  if (o.embedder && items.length > 0) {
    try {
      const [q] = await o.embedder.embed([query], o.signal);
      const got = await vectorsFor(items, o.embedder, o.cache, o.signal);
      if (got.vectors.some((v) => v.length !== q!.length)) throw new Error('the stored vectors and the query differ in length');
      vectors = got.vectors;
      queryVector = q;
      embedded = got.embedded;
    } catch (e) {
      if (o.signal?.aborted) throw e;
      fallback = `the embedding model failed (${e instanceof Error ? e.message : String(e)})`;
    }
  }
  if (items.length === 0) return { mode: fallback ? 'keyword' : 'hybrid', ...(fallback ? { fallback } : {}), hits: [], embedded };
  const db = await index(items, vectors);
  const result = queryVector
    ? await search(db, { mode: 'hybrid', term: query, vector: { value: Array.from(queryVector), property: 'embedding' }, similarity: MIN_SIMILARITY, limit: o.limit, properties: ['text'] } as never)
    : await search(db, { term: query, limit: o.limit, properties: ['text'] } as never);
  const hits = (result as unknown as { hits: { score: number; document: { n: number } }[] }).hits.map((h) => ({ item: items[h.document.n]!, score: h.score }));
  return { mode: queryVector ? 'hybrid' : 'keyword', ...(fallback ? { fallback } : {}), hits, embedded };
}
