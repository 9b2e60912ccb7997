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
 * Message layout: u8 version (=1) | u8 direction | u64be counter | 24-byte nonce | ciphertext.
 * Associated data: "tendril/guest/message/v1" || linkId || visitorKey || version || direction || counter,
 * so a message cannot be moved to another conversation, reflected back to its
 * sender as the other side's, or renumbered.
 */
import { TendrilError } from '../errors.ts';
import { bytesEqual, concatBytes, Context, u64be, utf8, withContext } from './bytes.ts';
import type { GuestLinkId } from '../ids.ts';
import type { CryptoProvider, KeyPair } from './provider.ts';
import { secret, type Secret } from './secret.ts';

const VERSION = 1;
const NONCE_BYTES = 24;
const HEADER_BYTES = 1 + 1 + 8;
const KEY_BYTES = 32;
const VISITOR_KEY_BYTES = 32;

/** Who sealed a message. */
export const GuestDirection = {
  /** The visitor's browser or `tendril guest send`. */
  Visitor: 1,
  /** The owner's agent (a worker or the browser runner). */
  Owner: 2,
} as const;
export type GuestDirection = (typeof GuestDirection)[keyof typeof GuestDirection];

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

function header(direction: GuestDirection, counter: number): Uint8Array {
  if (!Number.isSafeInteger(counter) || counter < 0) throw new TendrilError('E_BAD_INPUT', `guest: counter ${counter} is not a whole number >= 0`);
  return concatBytes(Uint8Array.of(VERSION, direction), u64be(counter));
}

function associatedData(c: GuestConversation, head: Uint8Array): Uint8Array {
  return withContext(Context.guestMessage, utf8(c.linkId), c.visitorKey, head);
}

/** Seals one message (UTF-8 text or any bytes) from `direction`, numbered `counter` by its sender. */
export function sealGuestMessage(crypto: CryptoProvider, c: GuestConversation, direction: GuestDirection, counter: number, plaintext: Uint8Array): Uint8Array {
  const head = header(direction, counter);
  const nonce = crypto.randomBytes(NONCE_BYTES);
  return concatBytes(head, nonce, crypto.aeadSeal(plaintext, associatedData(c, head), nonce, c.key.expose()));
}

/** A message as opened. */
export interface OpenedGuestMessage {
  readonly direction: GuestDirection;
  readonly counter: number;
  readonly plaintext: Uint8Array;
}

/**
 * Opens a sealed message; `E_DECRYPT_FAILED` when it does not authenticate under this conversation
 * (another visitor's, forged, altered, or from the side `expect` excludes).
 */
export function openGuestMessage(crypto: CryptoProvider, c: GuestConversation, sealed: Uint8Array, expect: GuestDirection): OpenedGuestMessage {
  if (sealed.length < HEADER_BYTES + NONCE_BYTES || sealed[0] !== VERSION) throw new TendrilError('E_DECRYPT_FAILED', 'guest: not a sealed guest message');
  const direction = sealed[1];
  if (direction !== expect) throw new TendrilError('E_DECRYPT_FAILED', `guest: expected a message from the ${expect === GuestDirection.Owner ? 'owner' : 'visitor'}`);
  const head = sealed.subarray(0, HEADER_BYTES);
  const counter = Number(new DataView(head.buffer, head.byteOffset + 2, 8).getBigUint64(0));
  if (!Number.isSafeInteger(counter)) throw new TendrilError('E_DECRYPT_FAILED', 'guest: counter out of range');
  const nonce = sealed.subarray(HEADER_BYTES, HEADER_BYTES + NONCE_BYTES);
  const plaintext = crypto.aeadOpen(sealed.subarray(HEADER_BYTES + NONCE_BYTES), associatedData(c, head), nonce, c.key.expose());
  if (!plaintext) throw new TendrilError('E_DECRYPT_FAILED', 'guest: the message does not authenticate under this conversation');
  return { direction, counter, plaintext };
}
