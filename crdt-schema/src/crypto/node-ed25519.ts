/**
 * Ed25519 verification through node:crypto (OpenSSL), wrapped in the strict
 * pre-checks of ed25519-strict.ts so it accepts exactly what libsodium does.
 * The node:crypto module is passed in, never imported here, so browser
 * bundles that reach this file pull in nothing from Node.
 */
import type * as NodeCrypto from 'node:crypto';
import { passesStrictChecks } from './ed25519-strict.ts';
import type { VerifyItem } from './provider.ts';

/** The parts of node:crypto this module uses. */
export type NodeCryptoModule = Pick<typeof NodeCrypto, 'createPublicKey' | 'verify'>;

/** DER SubjectPublicKeyInfo prefix of a raw Ed25519 public key (RFC 8410). */
const SPKI_PREFIX = Uint8Array.from([0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00]);
/** Authors per document are few; the cache is cleared when it grows past this many keys. */
const KEY_CACHE_LIMIT = 4096;

export interface NodeEd25519 {
  verify(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean;
  /** Runs the checks on libuv's thread pool (UV_THREADPOOL_SIZE threads, 4 by default). */
  verifyMany(items: readonly VerifyItem[]): Promise<boolean[]>;
}

export function createNodeEd25519(nodeCrypto: NodeCryptoModule): NodeEd25519 {
  const keys = new Map<string, NodeCrypto.KeyObject | null>();

  const keyObject = (publicKey: Uint8Array): NodeCrypto.KeyObject | null => {
    const id = Buffer.from(publicKey.buffer, publicKey.byteOffset, publicKey.length).toString('base64');
    let key = keys.get(id);
    if (key !== undefined) return key;
    const der = new Uint8Array(SPKI_PREFIX.length + 32);
    der.set(SPKI_PREFIX);
    der.set(publicKey, SPKI_PREFIX.length);
    try {
      key = nodeCrypto.createPublicKey({ key: Buffer.from(der), format: 'der', type: 'spki' });
    } catch {
      key = null;
    }
    if (keys.size >= KEY_CACHE_LIMIT) keys.clear();
    keys.set(id, key);
    return key;
  };

  const prepared = (signature: Uint8Array, publicKey: Uint8Array): NodeCrypto.KeyObject | null =>
    passesStrictChecks(signature, publicKey) ? keyObject(publicKey) : null;

  return {
    verify(signature, message, publicKey) {
      const key = prepared(signature, publicKey);
      if (key === null) return false;
      try {
        return nodeCrypto.verify(null, message, key, signature);
      } catch {
        return false;
      }
    },
    verifyMany(items) {
      return Promise.all(
        items.map(
          (it) =>
            new Promise<boolean>((resolve) => {
              const key = prepared(it.signature, it.publicKey);
              if (key === null) return resolve(false);
              try {
                nodeCrypto.verify(null, it.message, key, it.signature, (err, ok) => resolve(err === null && ok));
              } catch {
                resolve(false);
              }
            }),
        ),
      );
    },
  };
}
