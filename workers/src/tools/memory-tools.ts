/**
 * An agent's memory tools: `memory_set`, `memory_get`, `memory_delete` and
 * `memory_search`, offered together as the agent's `memory` tool (its list
 * in the agent record) under a `memory` grant to that agent. The tools are
 * bound to the memory document of the agent they were made for; no argument
 * names an agent or a document, so an agent reaches its own memory and
 * nobody else's. `memory_search` also recalls from the chats and indexed
 * folders the agent may read (its read-chats grants, checked and logged as
 * workspace search does), by meaning and words (memory-recall.ts).
 * Activity log lines name keys and queries, never values.
 */
import type { ChatId, DeviceId, PluginId } from '@tendril/crdt-schema/ids';
import type { MemoryDoc } from '@tendril/crdt-schema/schema';
import type { Embedder } from '../llm/embeddings.ts';
import type { AccessGate, AccessRecord } from '../plugins/access-gate.ts';
import type { ChatAccess } from '../plugins/chat-access.ts';
import { parseIndexEntry } from './folder-index-format.ts';
import { recall, type EmbeddingCache, type RecallItem, type RecallResult } from './memory-recall.ts';
import type { AgentTool } from './tool.ts';

/** The name of the memory tools on an agent's tool list. */
export const MEMORY_TOOL = 'memory';

export interface MemoryToolsOptions {
  readonly gate: AccessGate;
  /** This agent's memory document, opened on first use. */
  readonly memory: () => Promise<MemoryDoc>;
  readonly chats: ChatAccess;
  /** The workspace's embedding model now (settings are read per call); none: keyword search. */
  readonly embedder: () => Embedder | undefined;
  readonly cache: EmbeddingCache;
  /** Who writes (the runner's device). */
  readonly device: DeviceId;
  /** Saves the cache's new passage vectors (sealed, local: recall-cache-store.ts), if the runner keeps them. */
  readonly persist?: () => Promise<void>;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const entryText = (key: string, value: string): string => `${key}: ${value}`;
const oneLine = (s: string, n: number): string => {
  const t = s.replace(/\s+/g, ' ').trim();
  return t.length <= n ? t : `${t.slice(0, n - 1)}…`;
};

async function chatItems(o: MemoryToolsOptions, query: string): Promise<{ items: RecallItem[]; searched: number }> {
  const readable = o.chats.list().map((c) => ({ c, d: o.gate.decide('read-chats', c.id) })).filter((x) => x.d.allowed);
  const items: RecallItem[] = [];
  for (const { c } of readable) {
    for (const m of (await o.chats.open(c.id as ChatId)).transcript()) {
      if (m.editedAt !== undefined || m.content.trim() === '') continue;
      const entry = parseIndexEntry(m.content);
      if (entry?.removed) continue;
      items.push(entry
        ? { kind: 'file', ref: m.id, where: `file ${entry.folder.replace(/\/$/, '')}/${entry.file}`, text: `${entry.file}\n${entry.text}` }
        : { kind: 'message', ref: m.id, where: `chat "${c.title}" (${c.id}), ${m.role} message`, text: m.content });
    }
  }
  if (readable.length > 0) {
    const byAll = readable.filter((x) => x.d.by === '*').length;
    const records: AccessRecord[] = readable.filter((x) => x.d.by !== '*').map((x) => ({ kind: 'read-chats', resource: x.c.id, outcome: 'allowed', detail: `recall "${query}"` }));
    if (byAll > 0) records.unshift({ kind: 'read-chats', resource: '*', outcome: 'allowed', detail: `recall "${query}": read ${byAll} chats` });
    o.gate.record(records);
  }
  return { items, searched: readable.length };
}

function formatRecall(query: string, r: RecallResult, chats: number): string {
  const how = r.mode === 'hybrid'
    ? 'by meaning and words (semantic and keyword search)'
    : `by words only (keyword search; no semantic search: ${r.fallback ?? 'no embeddings'})`;
  const head = `Searched your memory and ${chats} chats ${how} for "${query}":`;
  if (r.hits.length === 0) return `${head}\nnothing found.`;
  const lines = r.hits.map((h, i) => h.item.kind === 'memory'
    ? `${i + 1}. [memory] ${oneLine(h.item.text, 600)}`
    : `${i + 1}. [${h.item.where}] ${oneLine(h.item.text, 300)}`);
  return `${head}\n${lines.join('\n')}`;
}

export function memoryTools(o: MemoryToolsOptions): AgentTool[] {
  const guard = <T>(detail: string, perform: () => Promise<T>): Promise<T> => o.gate.guard('memory', '*', perform, undefined, detail);
  const embedEntry = async (key: string, value: string, signal: AbortSignal): Promise<{ model: string; vector: Float32Array } | undefined> => {
    const e = o.embedder();
    if (!e) return undefined;
    try {
      const [vector] = await e.embed([entryText(key, value)], signal);
      return { model: e.id, vector: vector! };
    } catch {
      return undefined; // Stored without: the next search embeds it.
    }
  };
  const tool = (name: string, description: string, properties: Record<string, unknown>, required: string[], run: AgentTool['run']): AgentTool => ({
    kind: 'memory', listedAs: MEMORY_TOOL,
    spec: { name, description, parameters: { type: 'object', properties, required, additionalProperties: false } },
    run,
  });
  return [
    tool('memory_set', 'Remember a fact for later chats: stores VALUE under KEY in your own long-term memory (replacing what KEY held).', {
      key: { type: 'string', description: 'A short name for the fact, e.g. "user favourite colour".' },
      value: { type: 'string', description: 'The fact.' },
    }, ['key', 'value'], async (args, ctx) => {
      const key = str(args.key) ?? '';
      const value = str(args.value) ?? '';
      return guard(`set "${key.slice(0, 200)}"`, async () => {
        const mem = await o.memory();
        const embedding = await embedEntry(key, value, ctx.signal);
        const e = mem.set(key, value, o.device, embedding);
        return `remembered "${e.key}"${embedding ? '' : ' (no embedding yet: found by words until one is computed)'}`;
      });
    }),
    tool('memory_get', 'Read your own memory: the value under KEY, or without KEY the list of keys.', {
      key: { type: 'string', description: 'The key to read; leave out to list keys.' },
    }, [], async (args) => {
      const key = str(args.key);
      return guard(key === undefined ? 'list keys' : `get "${key.slice(0, 200)}"`, async () => {
        const mem = await o.memory();
        if (key === undefined) {
          const keys = mem.list().map((e) => e.key);
          return keys.length === 0 ? 'your memory is empty' : `${keys.length} keys:\n${keys.join('\n')}`;
        }
        const e = mem.get(key);
        return e ? `${e.key}: ${e.value}` : `nothing stored under "${key}"`;
      });
    }),
    tool('memory_delete', 'Forget KEY in your own memory.', {
      key: { type: 'string', description: 'The key to forget.' },
    }, ['key'], async (args) => {
      const key = str(args.key) ?? '';
      return guard(`delete "${key.slice(0, 200)}"`, async () => ((await o.memory()).delete(key) ? `forgot "${key}"` : `nothing stored under "${key}"`));
    }),
    tool('memory_search', 'Recall by meaning and words: searches your own memory, and the chats and indexed folders you may read, for QUERY.', {
      query: { type: 'string', description: 'What to recall, in any words.' },
      limit: { type: 'integer', minimum: 1, maximum: 20, description: 'How many results (default 8).' },
    }, ['query'], async (args, ctx) => {
      const query = (str(args.query) ?? '').trim().slice(0, 500);
      if (query === '') return 'error: the query is empty';
      const limit = typeof args.limit === 'number' ? Math.max(1, Math.min(20, Math.floor(args.limit))) : 8;
      return guard(`search "${query}"`, async () => {
        const mem = await o.memory();
        const embedder = o.embedder();
        const entries = mem.list();
        const items: RecallItem[] = entries.map((e) => ({
          kind: 'memory', ref: e.key, where: 'memory', text: entryText(e.key, e.value),
          ...(embedder && e.embedding?.model === embedder.id ? { vector: e.embedding.vector } : {}),
        }));
        const chats = await chatItems(o, query);
        const r = await recall([...items, ...chats.items], query, { ...(embedder ? { embedder } : {}), cache: o.cache, limit, signal: ctx.signal });
        for (const [key, vector] of r.embedded) {
          const e = entries.find((x) => x.key === key);
          if (e && embedder) mem.attachEmbedding(key, e.value, { model: embedder.id, vector });
        }
        await o.persist?.().catch(() => {}); // A cache not saved is embedded again after a restart.
        return formatRecall(query, r, chats.searched);
      });
    }),
  ];
}

/** How the runner reaches agents' memory documents and the workspace's embedding model. */
export interface AgentMemoryAccess {
  /** The memory document of the agent whose grants are filed under `plugin`. */
  open(plugin: PluginId): Promise<MemoryDoc>;
  /** The embedding model now, or none (keyword recall). */
  embedder(): Embedder | undefined;
  /** Passage vectors shared by every agent of this runner. */
  readonly cache?: EmbeddingCache;
  /** Saves the cache's new vectors (sealed, in the device's local store). */
  readonly persist?: () => Promise<void>;
}

/** The memory tools of the agent filed under `plugin`, bound to its memory and nobody else's. */
export function agentMemoryTools(m: AgentMemoryAccess, o: { readonly device: DeviceId; readonly chats: ChatAccess }, gate: AccessGate, plugin: PluginId, cache: EmbeddingCache): AgentTool[] {
  return memoryTools({ gate, memory: () => m.open(plugin), chats: o.chats, embedder: () => m.embedder(), cache, device: o.device, ...(m.persist ? { persist: m.persist } : {}) });
}
