/**
 * Sealing a guest conversation between the visitor's browser and the owner's
 * devices, so the relay stores and forwards ciphertext only.
 *
 * A visitor draws a conversation secret K_v and seals `visitorKey || K_v` to
 * the link's owner key (crypto_box_seal): the "key box", stored beside the
 * conversation at the relay. The conversation key is
 * `kdf(BLAKE2b(K_v || linkSecret), guestConversation)`, so reading or writing
 * needs both halves:
 * - another visitor of the same link knows the link secret but not K_v;
 * - the relay knows neither, and a key box it forges (its own K') gives the
 *   owner a key under which nothing the visitor sealed opens, and under which
 *   the relay cannot seal anything without the link secret;
 * - the access code is in neither half.
 * Ending a link: the owner deletes the link's box secret, so key boxes sealed
 * to it afterwards cannot be opened with the old keys.
 *
 * Messages are ordinary envelopes (envelope/seal.ts) of the conversation's
 * document (`guestDocId`), epoch 0, sealed under the conversation key and
 * signed by their author: the visitor's own key, or an owner's device. So
 * the relay stores and checks them like any other entry, and a message
 * cannot be moved to another conversation (the header names the document),
 * passed off as the other side's (the author is signed), or altered.
 */
import { TendrilError } from '../errors.ts';
import { EnvelopeKind } from '../envelope/header.ts';
import { openEnvelope } from '../envelope/open.ts';
import { sealEnvelope } from '../envelope/seal.ts';
import { deviceIdFromPublicKey, keyEpoch, type DeviceId, type DocId, type GuestLinkId } from '../ids.ts';
import { guestDocId } from '../wire/guest-proofs.ts';
import { bytesEqual, concatBytes, Context, fromUtf8, utf8, withContext } from './bytes.ts';
import type { DeviceIdentity } from './keys.ts';
import type { CryptoProvider, KeyPair } from './provider.ts';
import { secret, type Secret } from './secret.ts';

const KEY_BYTES = 32;
const VISITOR_KEY_BYTES = 32;

/** Who wrote a message: the visitor (browser or `tendril guest send`) or the owner's agent. */
export type GuestSide = 'visitor' | 'owner';

/** One side's view of a conversation: enough to seal and open its messages. */
export interface GuestConversation {
  readonly linkId: GuestLinkId;
  /** The visitor's Ed25519 public key: names the visitor at the relay and binds every message to them. */
  readonly visitorKey: Uint8Array;
  readonly key: Secret<Uint8Array>;
}

/** What the visitor keeps across visits (in the browser's storage): the secret half of the conversation key. */
export interface VisitorSecret {
  readonly visitorKey: Uint8Array;
  readonly conversationSecret: Secret<Uint8Array>;
}

function conversationKey(crypto: CryptoProvider, conversationSecret: Uint8Array, linkSecret: Uint8Array): Secret<Uint8Array> {
  const mixed = crypto.hash(concatBytes(conversationSecret, linkSecret), KEY_BYTES);
  return secret(crypto.kdf(mixed, Context.guestConversation, KEY_BYTES));
}

/**
 * The visitor's side: a fresh conversation secret for `visitorKey`, the key box
 * to hand to the owner (through the relay) and the conversation.
 */
export function startGuestConversation(
  crypto: CryptoProvider,
  input: { linkId: GuestLinkId; ownerBoxKey: Uint8Array; linkSecret: Secret<Uint8Array>; visitorKey: Uint8Array },
): { keyBox: Uint8Array; visitor: VisitorSecret; conversation: GuestConversation } {
  if (input.visitorKey.length !== VISITOR_KEY_BYTES) throw new TendrilError('E_BAD_INPUT', 'guest: the visitor key must have 32 bytes');
  const conversationSecret = crypto.randomBytes(KEY_BYTES);
  const keyBox = crypto.boxSeal(concatBytes(input.visitorKey, conversationSecret), input.ownerBoxKey);
  const visitor = { visitorKey: input.visitorKey, conversationSecret: secret(conversationSecret) };
  return { keyBox, visitor, conversation: resumeGuestConversation(crypto, input.linkId, input.linkSecret, visitor) };
}

/** The visitor's side on a later visit, from what the browser kept. */
export function resumeGuestConversation(crypto: CryptoProvider, linkId: GuestLinkId, linkSecret: Secret<Uint8Array>, visitor: VisitorSecret): GuestConversation {
  return { linkId, visitorKey: visitor.visitorKey, key: conversationKey(crypto, visitor.conversationSecret.expose(), linkSecret.expose()) };
}

/**
 * The owner's side: opens a key box with the link's box key pair. `E_DECRYPT_FAILED` when it was not
 * sealed to this link's key or names another visitor than the one the relay filed it under.
 */
export function openGuestKeyBox(
  crypto: CryptoProvider,
  input: { linkId: GuestLinkId; ownerBox: KeyPair; linkSecret: Secret<Uint8Array>; visitorKey: Uint8Array; keyBox: Uint8Array },
): GuestConversation {
  const opened = crypto.boxSealOpen(input.keyBox, input.ownerBox);
  if (!opened || opened.length !== VISITOR_KEY_BYTES + KEY_BYTES) throw new TendrilError('E_DECRYPT_FAILED', 'guest: the key box does not open with this link\'s key');
  const named = opened.subarray(0, VISITOR_KEY_BYTES);
  if (!bytesEqual(named, input.visitorKey)) throw new TendrilError('E_DECRYPT_FAILED', 'guest: the key box names another visitor');
  const key = conversationKey(crypto, opened.subarray(VISITOR_KEY_BYTES), input.linkSecret.expose());
  opened.fill(0);
  return { linkId: input.linkId, visitorKey: input.visitorKey, key };
}

/**
 * Seals one message by `author` (the visitor's identity, or an owner's device), numbered `counter`
 * (from 1, per author) by its sender.
 */
export function sealGuestMessage(crypto: CryptoProvider, c: GuestConversation, author: DeviceIdentity, counter: number, plaintext: Uint8Array): Uint8Array {
  return sealEnvelope(crypto, { kind: EnvelopeKind.Update, doc: guestConversationDoc(c), epoch: keyEpoch(0), key: c.key, author, counter, plaintext });
}

/** A message as opened. */
export interface OpenedGuestMessage {
  readonly author: DeviceId;
  readonly counter: number;
  readonly plaintext: Uint8Array;
}

/** The document of a conversation. */
export function guestConversationDoc(c: GuestConversation): DocId {
  return guestDocId(c.linkId, c.visitorKey);
}

/**
 * Opens a message of the conversation from `from`: the visitor (authored by the visitor's key) or the
 * owner (any other author holding the conversation key). Throws the envelope's error codes:
 * `E_WRONG_DOC`, `E_BAD_SIGNATURE`, `E_UNKNOWN_AUTHOR` (the other side's message), `E_UNKNOWN_EPOCH`,
 * `E_DECRYPT_FAILED` (another conversation's key, or forged).
 */
export function openGuestMessage(crypto: CryptoProvider, c: GuestConversation, bytes: Uint8Array, from: GuestSide): OpenedGuestMessage {
  const visitor = deviceIdFromPublicKey(c.visitorKey);
  const opened = openEnvelope(crypto, bytes, {
    doc: guestConversationDoc(c),
    keyFor: (epoch) => (epoch === 0 ? c.key : undefined),
    isAllowedAuthor: (author, kind) => kind === EnvelopeKind.Update && (from === 'visitor' ? author === visitor : author !== visitor),
    counters: { check: () => undefined },
  });
  return { author: opened.header.author, counter: opened.header.counter, plaintext: opened.plaintext };
}

/**
 * The text of a reply while the model writes it, for a Stream frame on the conversation's document:
 * `nonce[24] || XChaCha20-Poly1305(JSON {for, text}, "tendril/guest/live/v1" || doc)`. Ephemeral and
 * shown only until the reply itself (an envelope) arrives; only a holder of the conversation key can
 * make one that opens.
 */
export function sealGuestLive(crypto: CryptoProvider, c: GuestConversation, live: { for: string; text: string }): Uint8Array {
  const nonce = crypto.randomBytes(24);
  const ad = withContext(Context.guestLive, utf8(guestConversationDoc(c)));
  return concatBytes(nonce, crypto.aeadSeal(utf8(JSON.stringify({ for: live.for, text: live.text })), ad, nonce, c.key.expose()));
}

/** Opens live text; null when it does not open under this conversation or is not live text. */
export function openGuestLive(crypto: CryptoProvider, c: GuestConversation, payload: Uint8Array): { for: string; text: string } | null {
  if (payload.length < 24 + 16) return null;
  const ad = withContext(Context.guestLive, utf8(guestConversationDoc(c)));
  const plain = crypto.aeadOpen(payload.subarray(24), ad, payload.subarray(0, 24), c.key.expose());
  if (!plain) return null;
  try {
    const v = JSON.parse(fromUtf8(plain)) as { for?: unknown; text?: unknown };
    return typeof v.for === 'string' && typeof v.text === 'string' ? { for: v.for, text: v.text } : null;
  } catch {
    return null;
  }
}
