/**
 * Capability keys an admin replaced, kept so the devices the admin named can
 * still subscribe for reading with them (a member that was offline during a
 * revocation reads the new keys sealed to it in the index). Nobody else can
 * use them. Only the latest few replacements are kept; the byte form is what
 * the SQLite store keeps in `docs.retired`.
 */
import { TendrilError } from '@tendril/crdt-schema/errors';

/** One replaced pair and who may still read with it. */
export interface RetiredCaps {
  readonly writeKey: Uint8Array;
  readonly readKey: Uint8Array;
  /** Ed25519 device public keys that may still subscribe for reading with these keys. */
  readonly readers: readonly Uint8Array[];
}

/** Replacements remembered per document; an older one no longer opens anything. */
export const MAX_RETIRED_CAPS = 8;

const KEY = 32;

/** The list after `current` is replaced, newest first, bounded by {@link MAX_RETIRED_CAPS}. */
export function retire(list: readonly RetiredCaps[], current: RetiredCaps): RetiredCaps[] {
  const copy = { writeKey: current.writeKey.slice(), readKey: current.readKey.slice(), readers: current.readers.map((r) => r.slice()) };
  return [copy, ...list].slice(0, MAX_RETIRED_CAPS);
}

export function encodeRetired(list: readonly RetiredCaps[]): Uint8Array {
  const size = list.reduce((n, r) => n + 2 * KEY + 4 + r.readers.length * KEY, 0);
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  let o = 0;
  for (const r of list) {
    out.set(r.writeKey, o);
    out.set(r.readKey, o + KEY);
    view.setUint32(o + 2 * KEY, r.readers.length);
    o += 2 * KEY + 4;
    for (const k of r.readers) {
      out.set(k, o);
      o += KEY;
    }
  }
  return out;
}

export function decodeRetired(bytes: Uint8Array | null): RetiredCaps[] {
  if (!bytes || bytes.length === 0) return [];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: RetiredCaps[] = [];
  let o = 0;
  while (o < bytes.length) {
    if (o + 2 * KEY + 4 > bytes.length) throw new TendrilError('E_STORE_FAILED', 'stored retired capability keys are truncated');
    const n = view.getUint32(o + 2 * KEY);
    const end = o + 2 * KEY + 4 + n * KEY;
    if (end > bytes.length) throw new TendrilError('E_STORE_FAILED', 'stored retired capability keys are truncated');
    const readers: Uint8Array[] = [];
    for (let i = 0; i < n; i++) readers.push(bytes.slice(o + 2 * KEY + 4 + i * KEY, o + 2 * KEY + 4 + (i + 1) * KEY));
    out.push({ writeKey: bytes.slice(o, o + KEY), readKey: bytes.slice(o + KEY, o + 2 * KEY), readers });
    o = end;
  }
  return out;
}
