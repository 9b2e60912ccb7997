/**
 * Schema versions. Each document kind has a current version; a document
 * records the version that last wrote it. Opening an older document runs the
 * ordered upgrade steps (upgrades.ts) in one transaction; a newer document is
 * read as far as this code understands it and never written (E_SCHEMA_VERSION).
 *
 * Upgrades run on every peer that opens an old document, possibly at the same
 * time. So a step must be idempotent, a deterministic function of the old
 * state, and tolerant of half-upgraded data (a peer that had not synced yet may
 * have written the old layout). Two concurrent upgrades then converge. An
 * edit made by an upgraded peer to the very field another peer is migrating at
 * the same moment can lose to the migrated value; steps therefore only fill
 * fields that are still absent.
 *
 * A new optional field that older code may ignore, whose absence has a
 * defined meaning, needs no step and no new version (raising the version
 * would make every older peer read-only on the kind). The chat claim
 * record's `attempts` and `retryAt` were added that way (chat-claims.ts).
 */
import type * as Y from 'yjs';
import { TendrilError } from '../errors.ts';
import { readKind, readMeta, writeMeta, type DocKind } from './meta.ts';

/** The version this code writes, per kind. Raise it together with a new step in upgrades.ts. */
export const CURRENT_VERSION: Readonly<Record<DocKind, number>> = {
  workspace: 2,
  chat: 1,
  settings: 1,
  permissions: 1,
  terminal: 1,
  memory: 1,
  tasks: 1,
  'gateway-admin': 1,
};

/** Turns a document of `kind` at version `from` into version `from + 1`. */
export interface UpgradeStep {
  readonly kind: DocKind;
  readonly from: number;
  /** One line for logs and the changelog. */
  readonly describe: string;
  run(doc: Y.Doc): void;
}

export interface UpgradeResult {
  readonly kind: DocKind;
  readonly from: number;
  /** The version after the call: `from` when nothing ran. */
  readonly to: number;
  /** False when the document is newer than this code: read only. */
  readonly writable: boolean;
}

/** Steps of one kind in order, checked to be contiguous from version 1 to current. */
export function stepsFor(kind: DocKind, steps: readonly UpgradeStep[], current: number): UpgradeStep[] {
  const mine = steps.filter((s) => s.kind === kind).sort((a, b) => a.from - b.from);
  mine.forEach((s, i) => {
    if (s.from !== i + 1) throw new TendrilError('E_BAD_INPUT', `upgrade steps of ${kind} skip version ${i + 1}`);
  });
  if (mine.length !== current - 1) {
    throw new TendrilError('E_BAD_INPUT', `${kind} is at version ${current} but has ${mine.length} upgrade steps`);
  }
  return mine;
}

/**
 * Brings an older document to the current version of its kind, in one
 * transaction. Does nothing to an unsynced (meta-less) or newer document.
 */
export function upgrade(
  doc: Y.Doc,
  steps: readonly UpgradeStep[],
  current: Readonly<Record<DocKind, number>> = CURRENT_VERSION,
  origin?: unknown,
): UpgradeResult | undefined {
  const meta = readMeta(doc);
  if (meta === undefined) return undefined;
  const target = current[meta.kind];
  const from = meta.schemaVersion;
  if (from >= target) return { kind: meta.kind, from, to: from, writable: from === target };
  const pending = stepsFor(meta.kind, steps, target).filter((s) => s.from >= from);
  doc.transact(() => {
    for (const step of pending) step.run(doc);
    writeMeta(doc, meta.kind, target);
  }, origin);
  return { kind: meta.kind, from, to: target, writable: true };
}

/** Throws unless this code may write `doc` as a document of `kind`. */
export function assertWritable(doc: Y.Doc, kind: DocKind, current: Readonly<Record<DocKind, number>> = CURRENT_VERSION): void {
  const raw = readKind(doc);
  if (raw !== undefined && raw !== kind) {
    throw new TendrilError('E_BAD_INPUT', `document is a ${String(raw)}, not a ${kind}`);
  }
  const meta = readMeta(doc);
  if (meta !== undefined && meta.schemaVersion > current[kind]) {
    throw new TendrilError(
      'E_SCHEMA_VERSION',
      `${kind} document has schema version ${meta.schemaVersion}; this code writes ${current[kind]}`,
    );
  }
}

/** True when {@link assertWritable} would pass. */
export function isWritable(doc: Y.Doc, kind: DocKind): boolean {
  try {
    assertWritable(doc, kind);
    return true;
  } catch {
    return false;
  }
}
