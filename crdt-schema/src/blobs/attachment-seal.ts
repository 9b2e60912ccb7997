/**
 * Sealing chat attachments. An attachment's bytes are sealed on the device with XChaCha20-Poly1305
 * under a key derived from the chat document's content key at its current epoch (KDF context
 * `tendril/attachment/v1/<doc>`), so only holders of the chat's keys can open it, and it is bound to
 * that chat (the document id and epoch are associated data). The sealed bytes are what the relay
 * stores, addressed by their SHA-256:
 *
 *   version (1 byte, 1) || epoch (u32 BE) || nonce (24) || ciphertext (plaintext + 16)
 */
import { TendrilError } from '../errors.ts';
import { keyEpoch, type DocId, type KeyEpoch } from '../ids.ts';
import type { CryptoProvider } from '../crypto/provider.ts';
import { concatBytes, utf8 } from '../crypto/bytes.ts';

/** The chat keys sealing needs (a keyring DocKeyView fits). */
export interface ChatContentKeys {
  readonly doc: DocId;
  readonly current: KeyEpoch;
  contentKey(epoch: KeyEpoch): Uint8Array | undefined;
}

const VERSION = 1;
const NONCE_BYTES = 24;
const HEADER_BYTES = 1 + 4 + NONCE_BYTES;
/** Bytes sealing adds to an attachment. */
export const ATTACHMENT_OVERHEAD = HEADER_BYTES + 16;

function attachmentKey(crypto: CryptoProvider, keys: ChatContentKeys, epoch: KeyEpoch): Uint8Array {
  const content = keys.contentKey(epoch);
  if (!content) throw new TendrilError('E_UNKNOWN_EPOCH', `no key for epoch ${epoch} of chat ${keys.doc}`);
  return crypto.kdf(content, `tendril/attachment/v1/${keys.doc}`, 32);
}

const header = (epoch: number, nonce: Uint8Array): Uint8Array => {
  const h = new Uint8Array(HEADER_BYTES);
  h[0] = VERSION;
  new DataView(h.buffer).setUint32(1, epoch);
  h.set(nonce, 5);
  return h;
};

const associated = (doc: DocId, head: Uint8Array): Uint8Array => concatBytes(utf8('tendril/attachment/v1'), utf8(doc), head.subarray(0, 5));

/** Seals `plaintext` for the chat under its current epoch. */
export function sealAttachment(crypto: CryptoProvider, keys: ChatContentKeys, plaintext: Uint8Array): Uint8Array {
  const head = header(keys.current, crypto.randomBytes(NONCE_BYTES));
  const sealed = crypto.aeadSeal(plaintext, associated(keys.doc, head), head.subarray(5), attachmentKey(crypto, keys, keys.current));
  return concatBytes(head, sealed);
}

/**
 * Opens sealed attachment bytes of the chat. E_ENVELOPE_MALFORMED for bytes that are not a sealed
 * attachment, E_UNKNOWN_EPOCH when this device lacks the epoch's key, E_DECRYPT_FAILED when they do
 * not authenticate (altered, or sealed for another chat).
 */
export function openAttachment(crypto: CryptoProvider, keys: ChatContentKeys, sealed: Uint8Array): Uint8Array {
  if (sealed.length < ATTACHMENT_OVERHEAD || sealed[0] !== VERSION) throw new TendrilError('E_ENVELOPE_MALFORMED', 'not a sealed attachment');
  const head = sealed.subarray(0, HEADER_BYTES);
  const epoch = keyEpoch(new DataView(head.buffer, head.byteOffset, HEADER_BYTES).getUint32(1));
  const plain = crypto.aeadOpen(sealed.subarray(HEADER_BYTES), associated(keys.doc, head), head.subarray(5), attachmentKey(crypto, keys, epoch));
  if (!plain) throw new TendrilError('E_DECRYPT_FAILED', 'the attachment does not open with this chat’s keys');
  return plain;
}
