/**
 * The device's wrapping key: an AES-256-GCM WebCrypto key created with
 * `extractable: false` and kept in IndexedDB (structured clone keeps it
 * non-extractable). Script on this origin can ask the browser to encrypt or
 * decrypt with it, but no script can read its bytes, so a copy of the
 * database files alone does not reveal the libsodium keys wrapped under it.
 * Layout of a wrapped value: 12-byte IV | AES-GCM ciphertext and tag;
 * `purpose` is bound as associated data so records cannot be swapped.
 */
import { TendrilError } from '../errors.ts';
import { request, Stores, transact } from './idb.ts';

const IV_BYTES = 12;
const WRAP_KEY_RECORD = 'wrap';

const ad = (purpose: string): Uint8Array<ArrayBuffer> => new TextEncoder().encode(`tendril/browser-wrap/v1/${purpose}`);
const buf = (b: Uint8Array): Uint8Array<ArrayBuffer> => new Uint8Array(b);

/** Returns the device's wrapping key, creating and storing it on first use. */
export async function loadWrappingKey(db: IDBDatabase, subtle: SubtleCrypto, create: boolean): Promise<CryptoKey | null> {
  const existing = (await transact(db, Stores.Device, 'readonly', (tx) => request(tx.objectStore(Stores.Device).get(WRAP_KEY_RECORD)))) as unknown;
  if (existing instanceof CryptoKey || (typeof existing === 'object' && existing !== null && 'algorithm' in existing)) return existing as CryptoKey;
  if (!create) return null;
  const key = await subtle.generateKey({ name: 'AES-GCM', length: 256 }, false, ['encrypt', 'decrypt']);
  await transact(db, Stores.Device, 'readwrite', (tx) => {
    tx.objectStore(Stores.Device).put(key, WRAP_KEY_RECORD);
  });
  return key;
}

export async function wrap(subtle: SubtleCrypto, key: CryptoKey, purpose: string, plaintext: Uint8Array): Promise<Uint8Array> {
  const iv = crypto.getRandomValues(new Uint8Array(IV_BYTES));
  const ct = new Uint8Array(await subtle.encrypt({ name: 'AES-GCM', iv, additionalData: ad(purpose) }, key, buf(plaintext)));
  const out = new Uint8Array(IV_BYTES + ct.length);
  out.set(iv);
  out.set(ct, IV_BYTES);
  return out;
}

/** Inverse of {@link wrap}; `E_DECRYPT_FAILED` when the value was not wrapped by this key for this purpose. */
export async function unwrap(subtle: SubtleCrypto, key: CryptoKey, purpose: string, wrapped: Uint8Array): Promise<Uint8Array> {
  if (wrapped.length <= IV_BYTES + 16) throw new TendrilError('E_DECRYPT_FAILED', 'a wrapped record is truncated');
  try {
    const iv = buf(wrapped.subarray(0, IV_BYTES));
    return new Uint8Array(await subtle.decrypt({ name: 'AES-GCM', iv, additionalData: ad(purpose) }, key, buf(wrapped.subarray(IV_BYTES))));
  } catch (cause) {
    throw new TendrilError('E_DECRYPT_FAILED', `the ${purpose} record does not open with this browser's wrapping key`, { cause });
  }
}
