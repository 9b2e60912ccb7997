/**
 * An agent's memory document: a key-value store that one agent reads and
 * writes through its memory tools and the user reads, edits and clears in
 * the app or with `tendril agent memory`. One document per agent (its id is
 * derived from the workspace and the agent: workspace/memory-doc.ts), sealed
 * per update like every other document, so the relay never sees a key, a
 * value or an embedding.
 *
 * Each entry is a plain record replaced whole (last writer wins per key), so
 * a value and the embedding computed for it always travel together: an
 * embedding is stored only with the very value it was computed from, and
 * any edit without one drops the old vector. Embeddings are Float32 bytes
 * tagged with the `provider/model` that made them; a reader compares only
 * vectors of the model it embeds queries with.
 *
 *   const mem = memoryDoc(ydoc);
 *   mem.set('favourite colour', 'teal', device); mem.get('favourite colour');
 */
import type * as Y from 'yjs';
import type { DeviceId } from '../ids.ts';
import { badInput, checkText, compareStrings, isRecord } from './fields.ts';
import { MEMORY, MEMORY_ENTRY, ROOT_META } from './keys.ts';
import { readMeta, type DocMeta } from './meta.ts';
import { makeWriter, observeRoots, type AccessorOptions } from './writer.ts';

export const MAX_MEMORY_KEY_CHARS = 200;
export const MAX_MEMORY_VALUE_CHARS = 10_000;
/** Entries one agent may keep; a new key beyond it is refused (the agent deletes or overwrites). */
export const MAX_MEMORY_ENTRIES = 2_000;
/** Longest embedding stored (Float32 components). */
export const MAX_EMBEDDING_DIMENSIONS = 8_192;

export interface MemoryEmbedding {
  /** `provider/model` that computed it. */
  readonly model: string;
  readonly vector: Float32Array;
}

export interface MemoryEntry {
  readonly key: string;
  readonly value: string;
  readonly updatedAt: number;
  readonly updatedBy?: DeviceId;
  readonly embedding?: MemoryEmbedding;
}

export interface MemoryState {
  readonly meta?: DocMeta;
  /** Without embeddings (they are for search, not display). */
  readonly entries: Omit<MemoryEntry, 'embedding'>[];
}

/** A key: 1..200 characters after trimming, no line breaks. */
export function checkMemoryKey(v: unknown): string {
  const key = checkText(typeof v === 'string' ? v.trim() : v, 'key', MAX_MEMORY_KEY_CHARS);
  if (/[\r\n]/.test(key)) badInput('a memory key is one line');
  return key;
}

export function checkMemoryValue(v: unknown): string {
  return checkText(v, 'value', MAX_MEMORY_VALUE_CHARS);
}

function checkEmbedding(e: MemoryEmbedding): { model: string; bytes: Uint8Array } {
  const model = checkText(e.model, 'embedding model', 300);
  if (!(e.vector instanceof Float32Array) || e.vector.length === 0 || e.vector.length > MAX_EMBEDDING_DIMENSIONS) {
    badInput(`an embedding is 1..${MAX_EMBEDDING_DIMENSIONS} numbers`);
  }
  if (!e.vector.every(Number.isFinite)) badInput('an embedding holds finite numbers only');
  return { model, bytes: new Uint8Array(e.vector.buffer.slice(e.vector.byteOffset, e.vector.byteOffset + e.vector.byteLength)) };
}

function readEntry(key: string, raw: unknown): MemoryEntry | undefined {
  if (!isRecord(raw)) return undefined;
  const value = raw[MEMORY_ENTRY.value];
  const updatedAt = raw[MEMORY_ENTRY.updatedAt];
  if (typeof value !== 'string' || typeof updatedAt !== 'number') return undefined;
  const by = raw[MEMORY_ENTRY.updatedBy];
  const bytes = raw[MEMORY_ENTRY.embedding];
  const model = raw[MEMORY_ENTRY.embeddingModel];
  const embedding = bytes instanceof Uint8Array && bytes.byteLength > 0 && bytes.byteLength % 4 === 0 && typeof model === 'string'
    ? { model, vector: new Float32Array(bytes.slice().buffer) }
    : undefined;
  return { key, value, updatedAt, ...(typeof by === 'string' ? { updatedBy: by as DeviceId } : {}), ...(embedding ? { embedding } : {}) };
}

export function memoryDoc(doc: Y.Doc, options: AccessorOptions = {}) {
  const w = makeWriter(doc, 'memory', options);
  const entries = doc.getMap<unknown>(MEMORY.entries);
  const get = (key: string): MemoryEntry | undefined => readEntry(key, entries.get(key));
  const list = (): MemoryEntry[] => {
    const out: MemoryEntry[] = [];
    for (const [key, raw] of entries.entries()) {
      const e = readEntry(key, raw);
      if (e) out.push(e);
    }
    return out.sort((a, b) => compareStrings(a.key, b.key));
  };
  return {
    /** Every entry, by key. */
    list,
    get(key: string): MemoryEntry | undefined {
      return get(checkMemoryKey(key));
    },
    /**
     * Stores `value` under `key`, replacing what was there. With `embedding` (computed from this
     * value) the vector is kept with it; without, any old vector goes (it belonged to the old value).
     */
    set(key: string, value: string, by?: DeviceId, embedding?: MemoryEmbedding): MemoryEntry {
      const k = checkMemoryKey(key);
      const v = checkMemoryValue(value);
      const e = embedding === undefined ? undefined : checkEmbedding(embedding);
      if (!entries.has(k) && entries.size >= MAX_MEMORY_ENTRIES) badInput(`memory is full (${MAX_MEMORY_ENTRIES} entries): delete or overwrite one`);
      const at = w.now();
      w.write(() => entries.set(k, {
        [MEMORY_ENTRY.value]: v,
        [MEMORY_ENTRY.updatedAt]: at,
        ...(by !== undefined ? { [MEMORY_ENTRY.updatedBy]: by } : {}),
        ...(e ? { [MEMORY_ENTRY.embedding]: e.bytes, [MEMORY_ENTRY.embeddingModel]: e.model } : {}),
      }));
      return get(k)!;
    },
    /** Attaches an embedding to the entry, only if it still holds `value` (the text the vector was computed from). */
    attachEmbedding(key: string, value: string, embedding: MemoryEmbedding): boolean {
      const current = get(checkMemoryKey(key));
      if (!current || current.value !== value) return false;
      const e = checkEmbedding(embedding);
      w.write(() => entries.set(current.key, {
        [MEMORY_ENTRY.value]: current.value,
        [MEMORY_ENTRY.updatedAt]: current.updatedAt,
        ...(current.updatedBy !== undefined ? { [MEMORY_ENTRY.updatedBy]: current.updatedBy } : {}),
        [MEMORY_ENTRY.embedding]: e.bytes,
        [MEMORY_ENTRY.embeddingModel]: e.model,
      }));
      return true;
    },
    /** True when there was an entry. */
    delete(key: string): boolean {
      const k = checkMemoryKey(key);
      if (!entries.has(k)) return false;
      w.write(() => entries.delete(k));
      return true;
    },
    /** Removes every entry; returns how many. */
    clear(): number {
      const keys = [...entries.keys()];
      if (keys.length > 0) w.write(() => keys.forEach((k) => entries.delete(k)));
      return keys.length;
    },
    observe(listener: () => void): () => void {
      return observeRoots(doc, [doc.getMap<unknown>(ROOT_META), entries], listener);
    },
    toJSON(): MemoryState {
      return { meta: readMeta(doc), entries: list().map(({ embedding: _e, ...rest }) => rest) };
    },
    toString(): string {
      return `[memory: ${entries.size} entries]`;
    },
  };
}

export type MemoryDoc = ReturnType<typeof memoryDoc>;
