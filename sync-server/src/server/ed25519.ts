/**
 * Ed25519 verification with node:crypto: the relay checks device, capability,
 * admin and envelope signatures and never signs or decrypts anything. A raw
 * 32-byte public key becomes a KeyObject through its JWK form. `verifyAsync`
 * runs the check on the libuv thread pool (the callback form of
 * `crypto.verify`), for messages long enough that hashing them would hold
 * the event loop.
 */
import { createPublicKey, verify } from 'node:crypto';
import type { KeyObject } from 'node:crypto';

/**
 * Small cache, least recently used out: the same capability keys and writing devices verify again and
 * again. Each entry is an OpenSSL key outside the V8 heap; since a JWK import is cheap (~10-20 us against
 * ~110 us for the verify), the cache holds the keys in use, not one per connected device (a hello's key
 * is used once).
 */
export const KEY_CACHE_LIMIT = 512;

export interface Ed25519Verifier {
  /** True when `signature` is a valid Ed25519 signature of `message` by `publicKey`; false for any malformed input. */
  verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean;
  /** The same verdict, computed off the event loop. `message` must not change until it settles. */
  verifyAsync(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): Promise<boolean>;
}

/** The verifier with its cache's figures (keys held, imports so far). */
export interface CachingEd25519Verifier extends Ed25519Verifier {
  readonly cachedKeys: number;
  readonly imports: number;
}

export function createEd25519Verifier(cacheLimit = KEY_CACHE_LIMIT): CachingEd25519Verifier {
  const keys = new Map<string, KeyObject>();
  let imports = 0;
  const keyObject = (raw: Uint8Array): KeyObject => {
    // The key's base64url is both the cache id and, on a miss, the JWK's `x`: one encoding serves both.
    const id = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString('base64url');
    let key = keys.get(id);
    if (key) {
      keys.delete(id); // to the back of the line
    } else {
      // A JWK import costs a tenth of a DER import here (measured in bench/relay-idle-memory.ts).
      imports++;
      key = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: id }, format: 'jwk' });
      if (keys.size >= cacheLimit) keys.delete(keys.keys().next().value!);
    }
    keys.set(id, key);
    return key;
  };
  return {
    get cachedKeys() {
      return keys.size;
    },
    get imports() {
      return imports;
    },
    verify(publicKey, message, signature) {
      if (publicKey.length !== 32 || signature.length !== 64) return false;
      try {
        return verify(null, message, keyObject(publicKey), signature);
      } catch {
        return false;
      }
    },
    verifyAsync(publicKey, message, signature) {
      if (publicKey.length !== 32 || signature.length !== 64) return Promise.resolve(false);
      return new Promise((resolve) => {
        try {
          verify(null, message, keyObject(publicKey), signature, (err, ok) => resolve(!err && ok));
        } catch {
          resolve(false);
        }
      });
    },
  };
}
