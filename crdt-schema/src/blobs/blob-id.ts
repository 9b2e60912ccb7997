/**
 * Blob ids: the SHA-256 of the stored (sealed) bytes, as the relay checks them. Web Crypto's
 * digest, present in browsers and Node alike; hex is the form references and stores keep.
 */
import { TendrilError } from '../errors.ts';

/** SHA-256 of `data` (32 bytes). */
export async function blobIdOf(data: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await globalThis.crypto.subtle.digest('SHA-256', data as Uint8Array<ArrayBuffer>));
}

/** 64 lowercase hex digits. */
export const blobIdHex = (id: Uint8Array): string => Array.from(id, (b) => b.toString(16).padStart(2, '0')).join('');

/** True for 64 lowercase hex digits. */
export const isBlobIdHex = (s: unknown): s is string => typeof s === 'string' && /^[0-9a-f]{64}$/.test(s);

/** The 32 bytes of a hex id; E_BAD_ID when it is not 64 lowercase hex digits. */
export function blobIdBytes(hex: string): Uint8Array {
  if (!isBlobIdHex(hex)) throw new TendrilError('E_BAD_ID', 'a blob id is 64 lowercase hex digits');
  const out = new Uint8Array(32);
  for (let i = 0; i < 32; i++) out[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return out;
}
