/**
 * The write path shared by all accessors: refuse documents of another kind or
 * a newer schema, stamp the meta map of a fresh document, upgrade an older one,
 * and run the change as one transaction so a multi-field edit is one update.
 */
import type * as Y from 'yjs';
import { readMeta, writeMeta, type DocKind } from './meta.ts';
import { UPGRADE_STEPS } from './upgrades.ts';
import { assertWritable, CURRENT_VERSION, upgrade } from './version.ts';

/** Options every accessor takes. */
export interface AccessorOptions {
  /** The clock, in milliseconds since the epoch (injected so tests are replayable). */
  readonly now?: () => number;
  /** Transaction origin for local writes (lets a sync provider tell its own updates apart). */
  readonly origin?: unknown;
}

export interface Writer {
  now(): number;
  /** Runs `change` as one transaction after the version checks; throws before writing anything. */
  write<T>(change: () => T): T;
}

export function makeWriter(doc: Y.Doc, kind: DocKind, options: AccessorOptions = {}): Writer {
  const now = options.now ?? Date.now;
  return {
    now,
    write<T>(change: () => T): T {
      assertWritable(doc, kind);
      return doc.transact(() => {
        const meta = readMeta(doc);
        if (meta === undefined) writeMeta(doc, kind, CURRENT_VERSION[kind]);
        else if (meta.schemaVersion < CURRENT_VERSION[kind]) upgrade(doc, UPGRADE_STEPS);
        return change();
      }, options.origin);
    },
  };
}

type SharedType = Parameters<Y.Transaction['changedParentTypes']['has']>[0];

/**
 * Calls `listener` once after every transaction that changed any of `roots`
 * (or anything inside them), local or remote. Returns the unsubscribe function.
 */
export function observeRoots(doc: Y.Doc, roots: readonly Y.Map<unknown>[], listener: () => void): () => void {
  const handler = (tr: Y.Transaction): void => {
    if (roots.some((t) => tr.changedParentTypes.has(t as unknown as SharedType))) listener();
  };
  doc.on('afterTransaction', handler);
  return () => doc.off('afterTransaction', handler);
}
