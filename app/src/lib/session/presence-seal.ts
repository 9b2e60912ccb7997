/**
 * Presence payloads (who is viewing a chat, who is typing), sealed so the
 * relay that forwards them learns nothing but their timing: encrypted under
 * a key derived from the chat document's content key, and signed by the
 * sending device, so the relay cannot forge someone else's presence.
 * Layout: u32 epoch | 24-byte nonce | ciphertext | 64-byte signature over
 * "tendril/presence/v1" || doc || (epoch, nonce, ciphertext).
 */
import type { CryptoProvider, DeviceIdentity } from '@tendril/crdt-schema/crypto';
import { keyEpoch, publicKeyOfDevice, type DeviceId, type DocId, type KeyEpoch } from '@tendril/crdt-schema/ids';
import type { DocKeyView } from '@tendril/crdt-schema/keyring';
import { ByteReader, ByteWriter } from './bytes.ts';

export interface PresenceState {
  /** The sender's device name, as it is in the member list. */
  readonly name: string;
  /** Viewing the chat now (false: left it). */
  readonly viewing: boolean;
  readonly typing: boolean;
}

const NONCE = 24;
const SIG = 64;
const CONTEXT = 'tendril/presence/v1';
const enc = new TextEncoder();

const presenceKey = (crypto: CryptoProvider, keys: DocKeyView, epoch: KeyEpoch): Uint8Array | undefined => {
  const content = keys.contentKey(epoch);
  return content ? crypto.kdf(content, CONTEXT, 32) : undefined;
};

const signed = (doc: DocId, body: Uint8Array): Uint8Array => new ByteWriter().text(CONTEXT).text(doc).raw(body).finish();

export function sealPresence(crypto: CryptoProvider, identity: DeviceIdentity, keys: DocKeyView, state: PresenceState): Uint8Array | null {
  const key = presenceKey(crypto, keys, keys.current);
  if (!key) return null;
  const nonce = crypto.randomBytes(NONCE);
  const ct = crypto.aeadSeal(enc.encode(JSON.stringify(state)), enc.encode(keys.doc), nonce, key);
  const body = new ByteWriter().u32(keys.current).raw(nonce).raw(ct).finish();
  const out = new Uint8Array(body.length + SIG);
  out.set(body);
  out.set(crypto.sign(signed(keys.doc, body), identity.signSecretKey.expose()), body.length);
  return out;
}

/** The state, or null for anything that does not verify and open (dropped silently: presence is best effort). */
export function openPresence(crypto: CryptoProvider, keys: DocKeyView, from: DeviceId, payload: Uint8Array): PresenceState | null {
  try {
    if (payload.length <= SIG + NONCE) return null;
    const body = payload.subarray(0, payload.length - SIG);
    if (!crypto.verify(payload.subarray(body.length), signed(keys.doc, body), publicKeyOfDevice(from))) return null;
    const r = new ByteReader(body);
    const epoch = keyEpoch(r.u32());
    const nonce = r.raw(NONCE);
    const key = presenceKey(crypto, keys, epoch);
    const plain = key ? crypto.aeadOpen(r.rest(), enc.encode(keys.doc), nonce, key) : null;
    if (!plain) return null;
    const s = JSON.parse(new TextDecoder().decode(plain)) as Partial<PresenceState>;
    if (typeof s.name !== 'string' || typeof s.viewing !== 'boolean' || typeof s.typing !== 'boolean') return null;
    return { name: s.name.slice(0, 200), viewing: s.viewing, typing: s.typing };
  } catch {
    return null;
  }
}
