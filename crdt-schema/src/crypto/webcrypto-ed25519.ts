/**
 * Batched Ed25519 verification through WebCrypto (`crypto.subtle`), used by
 * browsers for `verifyMany`: native code instead of WASM, off the main
 * thread. The strict pre-checks keep its verdicts identical to libsodium's.
 */
import { passesStrictChecks } from './ed25519-strict.ts';
import type { VerifyItem } from './provider.ts';

const KEY_CACHE_LIMIT = 4096;
/** Signatures in flight at once; bounds the promises and copies held. */
const CHUNK = 1024;

/** Resolves true when this platform's WebCrypto verifies Ed25519 (Node 20, recent browsers). */
export async function webCryptoHasEd25519(subtle: SubtleCrypto | undefined): Promise<boolean> {
  if (subtle === undefined) return false;
  try {
    await subtle.importKey('raw', new Uint8Array(32).fill(0x11), { name: 'Ed25519' }, false, ['verify']);
    return true;
  } catch {
    return false;
  }
}

/** `verifyMany` over WebCrypto. Call only after {@link webCryptoHasEd25519} resolved true. */
export function createWebCryptoVerifyMany(subtle: SubtleCrypto): (items: readonly VerifyItem[]) => Promise<boolean[]> {
  const keys = new Map<string, Promise<CryptoKey | null>>();

  const keyFor = (publicKey: Uint8Array): Promise<CryptoKey | null> => {
    const id = String.fromCharCode(...publicKey);
    let key = keys.get(id);
    if (key === undefined) {
      key = subtle
        .importKey('raw', new Uint8Array(publicKey), { name: 'Ed25519' }, false, ['verify'])
        .catch(() => null);
      if (keys.size >= KEY_CACHE_LIMIT) keys.clear();
      keys.set(id, key);
    }
    return key;
  };

  const one = async (it: VerifyItem): Promise<boolean> => {
    if (!passesStrictChecks(it.signature, it.publicKey)) return false;
    const key = await keyFor(it.publicKey);
    if (key === null) return false;
    try {
      return await subtle.verify({ name: 'Ed25519' }, key, new Uint8Array(it.signature), new Uint8Array(it.message));
    } catch {
      return false;
    }
  };

  return async (items) => {
    const out: boolean[] = [];
    for (let i = 0; i < items.length; i += CHUNK) {
      out.push(...(await Promise.all(items.slice(i, i + CHUNK).map(one))));
    }
    return out;
  };
}
