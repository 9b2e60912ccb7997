/**
 * Argon2id in a Web Worker: the page asks for one key at a time and stays
 * responsive while libsodium spends about a second and 64 MiB on it. A
 * request is `{ id, passphrase, salt, params, length }`; the answer is
 * `{ id, key }` or `{ id, error }`. The passphrase bytes are wiped after use.
 */
import { loadCrypto, type CryptoProvider, type PwhashParams } from '@tendril/crdt-schema/crypto';

interface Request {
  readonly id: number;
  readonly passphrase: Uint8Array;
  readonly salt: Uint8Array;
  readonly params: PwhashParams;
  readonly length: number;
}

let crypto: Promise<CryptoProvider> | null = null;

self.onmessage = async (event: MessageEvent<Request>) => {
  const { id, passphrase, salt, params, length } = event.data;
  try {
    crypto ??= loadCrypto();
    const key = (await crypto).pwhash(passphrase, salt, params, length);
    (self as unknown as Worker).postMessage({ id, key }, [key.buffer]);
  } catch (e) {
    (self as unknown as Worker).postMessage({ id, error: e instanceof Error ? e.message : String(e) });
  } finally {
    passphrase.fill(0);
  }
};
