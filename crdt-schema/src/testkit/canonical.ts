/**
 * The canonical form of a document for comparing peers: its state read
 * through the typed accessors, with sorted object keys, bytes as hex and
 * secrets replaced by a fingerprint (so a diff never prints an API key).
 */
import { createHash } from 'node:crypto';
import type * as Y from 'yjs';
import {
  chatDoc, permissionsDoc, readMeta, settingsDoc, terminalDoc, workspaceDoc, type ProviderSummary,
} from '../schema/index.ts';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

/** Plain JSON data with sorted keys; undefined fields dropped, bytes as `hex:...`. */
export function normalize(value: unknown): unknown {
  if (value instanceof Uint8Array) return `hex:${hex(value)}`;
  if (Array.isArray(value)) return value.map(normalize);
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[key];
      if (v !== undefined && typeof v !== 'function') out[key] = normalize(v);
    }
    return out;
  }
  return value;
}

function settingsState(doc: Y.Doc): unknown {
  const s = settingsDoc(doc);
  const fingerprint = (p: ProviderSummary): string | undefined => {
    const key = s.getApiKey(p.id);
    return key === undefined ? undefined : createHash('sha256').update(key).digest('hex').slice(0, 16);
  };
  const state = s.toJSON();
  return { ...state, providers: state.providers.map((p) => ({ ...p, apiKeyFingerprint: fingerprint(p) })) };
}

/** The document's state by its kind; null for a document with nothing in it yet. */
export function canonicalDoc(doc: Y.Doc): unknown {
  const meta = readMeta(doc);
  switch (meta?.kind) {
    case 'workspace': return normalize(workspaceDoc(doc).toJSON());
    case 'chat': return normalize(chatDoc(doc).toJSON());
    case 'settings': return normalize(settingsState(doc));
    case 'permissions': return normalize(permissionsDoc(doc).toJSON());
    case 'terminal': return normalize(terminalDoc(doc).toJSON());
    default: return doc.store.clients.size === 0 ? null : normalize({ unknownKind: doc.toJSON() });
  }
}
