/**
 * Branded identifiers. A document id names a capability, so every random id
 * carries 128 bits from the platform CSPRNG and is unguessable. Device ids are
 * the base64url form of the device's Ed25519 public key, so an envelope's
 * author field is also the key that verifies it.
 */
import { TendrilError } from './errors.ts';

declare const brand: unique symbol;
/** A nominal type: a `DocId` never passes for a `ChatId`. */
export type Brand<T, B extends string> = T & { readonly [brand]: B };

export type WorkspaceId = Brand<string, 'WorkspaceId'>;
export type DocId = Brand<string, 'DocId'>;
/** Base64url of the device's 32-byte Ed25519 public key (43 characters). */
export type DeviceId = Brand<string, 'DeviceId'>;
/** Any peer of a workspace (browser device, gateway, worker) is identified by its device key. */
export type PeerId = DeviceId;
/** A document key generation; 0 is the key a document was created with. */
export type KeyEpoch = Brand<number, 'KeyEpoch'>;
/** Names one symmetric key: the document and the epoch. */
export type KeyId = Brand<string, 'KeyId'>;
export type ChatId = Brand<string, 'ChatId'>;
export type MessageId = Brand<string, 'MessageId'>;
export type SessionId = Brand<string, 'SessionId'>;
export type PluginId = Brand<string, 'PluginId'>;
export type InviteId = Brand<string, 'InviteId'>;
/** An agent of the workspace (settings-agents.ts); its grants are filed under the plugin id of the same text. */
export type AgentId = Brand<string, 'AgentId'>;
/** A guest chat link (crypto/guest-link.ts): names the link at the relay, never a secret. */
export type GuestLinkId = Brand<string, 'GuestLinkId'>;

const B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const RANDOM_ID = /^[A-Za-z0-9_-]{22}$/;
const DEVICE_ID = /^[A-Za-z0-9_-]{43}$/;

/** Unpadded base64url, the one text form of bytes used in ids and links. */
export function toBase64Url(bytes: Uint8Array): string {
  let out = '';
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
    out += B64URL[n >> 18]! + B64URL[(n >> 12) & 63]! + B64URL[(n >> 6) & 63]! + B64URL[n & 63]!;
  }
  const rest = bytes.length - i;
  if (rest === 1) {
    const n = bytes[i]! << 16;
    out += B64URL[n >> 18]! + B64URL[(n >> 12) & 63]!;
  } else if (rest === 2) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8);
    out += B64URL[n >> 18]! + B64URL[(n >> 12) & 63]! + B64URL[(n >> 6) & 63]!;
  }
  return out;
}

const DECODE = new Int16Array(128).fill(-1);
for (let i = 0; i < B64URL.length; i++) DECODE[B64URL.charCodeAt(i)] = i;

/** Inverse of {@link toBase64Url}; throws `E_BAD_ID` on any character outside the alphabet. */
export function fromBase64Url(text: string): Uint8Array {
  if (text.length % 4 === 1) throw new TendrilError('E_BAD_ID', 'base64url text has an impossible length');
  const out = new Uint8Array(Math.floor((text.length * 3) / 4));
  let bits = 0;
  let acc = 0;
  let o = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    const v = c < 128 ? DECODE[c]! : -1;
    if (v < 0) throw new TendrilError('E_BAD_ID', `invalid base64url character at ${i}`);
    acc = (acc << 6) | v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (acc >> bits) & 0xff;
    }
  }
  return out;
}

/** Fresh random bytes from the platform CSPRNG (4 us here, against 155 us for libsodium's). */
export function randomBytes(n: number): Uint8Array {
  const out = new Uint8Array(n);
  crypto.getRandomValues(out);
  return out;
}

/**
 * 16 random bytes in base64url, drawn again while the text starts with '-': an id like `--H5Fc…`
 * reads as an option on a command line (`tendril chat send --home H --H5Fc…` failed 1 in 4,096
 * chats), and `-x…` does in most other tools. Costs 1/64 of the id space.
 */
function randomId<T extends string>(): T {
  for (;;) {
    const id = toBase64Url(randomBytes(16));
    if (id[0] !== '-') return id as T;
  }
}

export const newWorkspaceId = (): WorkspaceId => randomId<WorkspaceId>();
export const newDocId = (): DocId => randomId<DocId>();
export const newChatId = (): ChatId => randomId<ChatId>();
export const newMessageId = (): MessageId => randomId<MessageId>();
export const newSessionId = (): SessionId => randomId<SessionId>();
export const newPluginId = (): PluginId => randomId<PluginId>();
export const newInviteId = (): InviteId => randomId<InviteId>();
export const newAgentId = (): AgentId => randomId<AgentId>();
export const newGuestLinkId = (): GuestLinkId => randomId<GuestLinkId>();

function parseRandom<T extends string>(kind: string, text: unknown): T {
  if (typeof text !== 'string' || !RANDOM_ID.test(text)) {
    throw new TendrilError('E_BAD_ID', `not a ${kind}: ${JSON.stringify(String(text).slice(0, 40))}`);
  }
  return text as T;
}

export const parseWorkspaceId = (t: unknown): WorkspaceId => parseRandom<WorkspaceId>('WorkspaceId', t);
export const parseDocId = (t: unknown): DocId => parseRandom<DocId>('DocId', t);
export const parseChatId = (t: unknown): ChatId => parseRandom<ChatId>('ChatId', t);
export const parseMessageId = (t: unknown): MessageId => parseRandom<MessageId>('MessageId', t);
export const parseSessionId = (t: unknown): SessionId => parseRandom<SessionId>('SessionId', t);
export const parsePluginId = (t: unknown): PluginId => parseRandom<PluginId>('PluginId', t);
export const parseInviteId = (t: unknown): InviteId => parseRandom<InviteId>('InviteId', t);
export const parseAgentId = (t: unknown): AgentId => parseRandom<AgentId>('AgentId', t);
export const parseGuestLinkId = (t: unknown): GuestLinkId => parseRandom<GuestLinkId>('GuestLinkId', t);

export function parseDeviceId(text: unknown): DeviceId {
  if (typeof text !== 'string' || !DEVICE_ID.test(text)) {
    throw new TendrilError('E_BAD_ID', `not a DeviceId: ${JSON.stringify(String(text).slice(0, 50))}`);
  }
  // 43 characters carry 258 bits for a 256-bit key: the last character must leave the spare bits
  // zero, so every key has exactly one spelling (a revoked device cannot return under another).
  if ((DECODE[text.charCodeAt(42)]! & 0b11) !== 0) throw new TendrilError('E_BAD_ID', 'not a canonical DeviceId');
  return text as DeviceId;
}

/**
 * The last key {@link deviceIdFromPublicKey} encoded (a copy) and its id: a catch-up names the same few
 * authors over and over, and comparing 32 bytes costs a fraction of encoding them.
 */
const lastKey = new Uint8Array(32);
let lastId: DeviceId | null = null;

/** The device id of an Ed25519 public key. */
export function deviceIdFromPublicKey(signPublicKey: Uint8Array): DeviceId {
  if (signPublicKey.length !== 32) throw new TendrilError('E_BAD_ID', 'an Ed25519 public key has 32 bytes');
  if (lastId !== null && sameKey(signPublicKey)) return lastId;
  const id = toBase64Url(signPublicKey) as DeviceId;
  lastKey.set(signPublicKey);
  lastId = id;
  return id;
}

function sameKey(key: Uint8Array): boolean {
  for (let i = 0; i < 32; i++) if (key[i] !== lastKey[i]) return false;
  return true;
}

/** The Ed25519 public key a device id names. */
export function publicKeyOfDevice(id: DeviceId): Uint8Array {
  return fromBase64Url(parseDeviceId(id));
}

export function keyEpoch(n: number): KeyEpoch {
  if (!Number.isSafeInteger(n) || n < 0) throw new TendrilError('E_BAD_ID', `not a key epoch: ${n}`);
  return n as KeyEpoch;
}

export function keyIdOf(doc: DocId, epoch: KeyEpoch): KeyId {
  return `${doc}.${epoch}` as KeyId;
}
