/**
 * Unpacking a screen snapshot in Node (gunzip from node:zlib); the header
 * codec itself is browser-safe and lives in snapshot-codec.ts.
 */
import { gunzipSync } from 'node:zlib';
import type { ScreenSnapshot } from './snapshot-codec.ts';

export { decodeSnapshot, encodeSnapshot, type ScreenSnapshot } from './snapshot-codec.ts';

/** The bytes that rebuild the screen when written to a fresh terminal. */
export function snapshotBytes(s: ScreenSnapshot): Uint8Array {
  return new Uint8Array(gunzipSync(s.gzip));
}
