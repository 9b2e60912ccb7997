/**
 * Sealing: the plaintext is encrypted with XChaCha20-Poly1305 under the
 * document key of one epoch, the header as associated data and a fresh
 * 24-byte nonce from crypto.getRandomValues; then the author device signs
 * `"tendril/envelope/v1" || varUint8Array(header) || nonce || varUint8Array(ciphertext)`,
 * exactly the bytes that precede the signature on the wire. The context string stays the
 * same for header version 2: the version byte is itself signed.
 */
import type { DocId, KeyEpoch } from '../ids.ts';
import { concatBytes, Context, withContext } from '../crypto/bytes.ts';
import type { DeviceIdentity } from '../crypto/keys.ts';
import type { CryptoProvider } from '../crypto/provider.ts';
import type { Secret } from '../crypto/secret.ts';
import { encodeEnvelopeBody, encodeHeader, NONCE_BYTES, type EnvelopeKind } from './header.ts';

export interface SealInput {
  readonly kind: EnvelopeKind;
  readonly doc: DocId;
  readonly epoch: KeyEpoch;
  /** The document key of `epoch`. */
  readonly key: Secret<Uint8Array>;
  /** The author; its device id goes into the header and its key signs. */
  readonly author: DeviceIdentity;
  /** The author's next counter for this document and kind (from 1, no holes for updates). */
  readonly counter: number;
  /** A Yjs update, or an encoded snapshot payload for snapshots. */
  readonly plaintext: Uint8Array;
  /**
   * The chain link (chain.ts): the hash of this author's previous update envelope in the
   * document, zeros when unknown. Given, the envelope is version 2; omitted, version 1.
   */
  readonly prev?: Uint8Array;
}

/** Seals and signs one envelope; the result is what goes to the relay. */
export function sealEnvelope(crypto: CryptoProvider, input: SealInput): Uint8Array {
  const headerBytes = encodeHeader({
    kind: input.kind,
    doc: input.doc,
    epoch: input.epoch,
    author: input.author.deviceId,
    counter: input.counter,
    ...(input.prev === undefined ? {} : { prev: input.prev }),
  });
  const nonce = crypto.randomBytes(NONCE_BYTES);
  const ciphertext = crypto.aeadSeal(input.plaintext, headerBytes, nonce, input.key.expose());
  const body = encodeEnvelopeBody(headerBytes, nonce, ciphertext);
  const signature = crypto.sign(withContext(Context.envelope, body), input.author.signSecretKey.expose());
  return concatBytes(body, signature);
}
