/**
 * The root `meta` map every Tendril document carries: which kind of document
 * it is and which schema version wrote it. Everything else about versions
 * (upgrades, the write guard) lives in version.ts.
 */
import type * as Y from 'yjs';
import { META, ROOT_META } from './keys.ts';

/** The kinds of document; one Yjs document per unit that grows on its own. */
export const DOC_KINDS = ['workspace', 'chat', 'settings', 'permissions', 'terminal', 'memory', 'tasks', 'gateway-admin'] as const;
export type DocKind = (typeof DOC_KINDS)[number];

export function isDocKind(v: unknown): v is DocKind {
  return typeof v === 'string' && (DOC_KINDS as readonly string[]).includes(v);
}

const KIND = META.kind;
const SCHEMA_VERSION = META.schemaVersion;

/** What the meta map says, when it says anything parseable. */
export interface DocMeta {
  readonly kind: DocKind;
  readonly schemaVersion: number;
}

export function metaMap(doc: Y.Doc): Y.Map<unknown> {
  return doc.getMap<unknown>(ROOT_META);
}

/** The document's kind and version, or undefined while the meta map is empty or malformed (not synced yet). */
export function readMeta(doc: Y.Doc): DocMeta | undefined {
  const meta = metaMap(doc);
  const kind = meta.get(KIND);
  const version = meta.get(SCHEMA_VERSION);
  if (!isDocKind(kind) || typeof version !== 'number' || !Number.isSafeInteger(version) || version < 1) return undefined;
  return { kind, schemaVersion: version };
}

/** The raw kind field, whatever the version says; used to refuse writing one kind through another's accessor. */
export function readKind(doc: Y.Doc): unknown {
  return metaMap(doc).get(KIND);
}

/** Writes kind and version. Call inside a transaction; the guard in version.ts does. */
export function writeMeta(doc: Y.Doc, kind: DocKind, schemaVersion: number): void {
  const meta = metaMap(doc);
  if (meta.get(KIND) !== kind) meta.set(KIND, kind);
  if (meta.get(SCHEMA_VERSION) !== schemaVersion) meta.set(SCHEMA_VERSION, schemaVersion);
}
