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
    try {
      // A JWK import costs a tenth of a DER import here, with identical verify results.
      key = nodeCrypto.createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(publicKey).toString('base64url') }, format: 'jwk' });
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
