/**
 * Lockboxes: document keys sealed to one device. A lockbox names the
 * document, the epoch range, the recipient and the sender in the clear, seals
 * the key bundle (JSON of DocKeys, all or some epochs, with or without the
 * write capability secret) to the recipient's X25519 key with crypto_box_seal,
 * and is signed by the sender device over every byte before the signature.
 *
 * Layout: u8 version (=1) | varString docId | varUint fromEpoch | varUint toEpoch |
 *         32-byte recipient key | 32-byte sender key | u8 flags (bit 0: write) |
 *         varUint8Array(sealed bundle) | 64-byte signature over "tendril/lockbox/v1" || the rest
 */
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import { TendrilError } from '../errors.ts';
import { deviceIdFromPublicKey, keyEpoch, parseDocId, publicKeyOfDevice, type DeviceId, type DocId, type KeyEpoch } from '../ids.ts';
import { concatBytes, Context, fromUtf8, utf8, withContext } from './bytes.ts';
import { restrictDocKeys, type DocKeys } from './doc-keys.ts';
import { docKeysFromJSON, docKeysToJSON } from './doc-keys-json.ts';
import { boxKeyPairOf, type DeviceIdentity, type DevicePublicKeys } from './keys.ts';
import type { CryptoProvider } from './provider.ts';

const LOCKBOX_VERSION = 1;
const FLAG_WRITE = 1;

/** The clear-text part of a lockbox. */
export interface LockboxInfo {
  readonly doc: DocId;
  readonly fromEpoch: KeyEpoch;
  readonly toEpoch: KeyEpoch;
  readonly recipient: DeviceId;
  readonly sender: DeviceId;
  /** Whether the bundle carries the write capability secret. */
  readonly write: boolean;
}

export interface SealLockboxInput {
  readonly keys: DocKeys;
  /** First epoch to include; default 0. */
  readonly from?: number;
  /** Last epoch to include; default the current one. */
  readonly to?: number;
  readonly write: boolean;
  readonly sender: DeviceIdentity;
  readonly recipient: DevicePublicKeys;
}

export function sealLockbox(crypto: CryptoProvider, input: SealLockboxInput): Uint8Array {
  const from = keyEpoch(input.from ?? 0);
  const to = keyEpoch(input.to ?? input.keys.current);
  const bundle = restrictDocKeys(input.keys, { from, to, write: input.write });
  const sealed = crypto.boxSeal(utf8(JSON.stringify(docKeysToJSON(bundle))), input.recipient.boxPublicKey);
  const enc = encoding.createEncoder();
  encoding.writeUint8(enc, LOCKBOX_VERSION);
  encoding.writeVarString(enc, input.keys.doc);
  encoding.writeVarUint(enc, from);
  encoding.writeVarUint(enc, to);
  encoding.writeUint8Array(enc, publicKeyOfDevice(input.recipient.deviceId));
  encoding.writeUint8Array(enc, input.sender.signPublicKey);
  encoding.writeUint8(enc, input.write ? FLAG_WRITE : 0);
  encoding.writeVarUint8Array(enc, sealed);
  const body = encoding.toUint8Array(enc);
  return concatBytes(body, crypto.sign(withContext(Context.lockbox, body), input.sender.signSecretKey.expose()));
}

const failed = (why: string, cause?: unknown): TendrilError =>
  new TendrilError('E_LOCKBOX_OPEN_FAILED', `lockbox: ${why}`, cause === undefined ? undefined : { cause });

interface ParsedLockbox {
  readonly info: LockboxInfo;
  readonly senderKey: Uint8Array;
  readonly sealed: Uint8Array;
  readonly body: Uint8Array;
  readonly signature: Uint8Array;
}

function parseLockbox(bytes: Uint8Array): ParsedLockbox {
  try {
    if (bytes.length < 64) throw failed('too short');
    const body = bytes.subarray(0, bytes.length - 64);
    const dec = decoding.createDecoder(body);
    if (decoding.readUint8(dec) !== LOCKBOX_VERSION) throw failed('unsupported version');
    const doc = parseDocId(decoding.readVarString(dec));
    const fromEpoch = keyEpoch(decoding.readVarUint(dec));
    const toEpoch = keyEpoch(decoding.readVarUint(dec));
    const recipient = deviceIdFromPublicKey(decoding.readUint8Array(dec, 32));
    const senderKey = decoding.readUint8Array(dec, 32);
    const flags = decoding.readUint8(dec);
    const sealed = decoding.readVarUint8Array(dec);
    if (decoding.hasContent(dec) || flags > FLAG_WRITE || fromEpoch > toEpoch) throw failed('malformed');
    const info = { doc, fromEpoch, toEpoch, recipient, sender: deviceIdFromPublicKey(senderKey), write: flags === FLAG_WRITE };
    return { info, senderKey, sealed, body, signature: bytes.subarray(bytes.length - 64) };
  } catch (e) {
    throw e instanceof TendrilError && e.code === 'E_LOCKBOX_OPEN_FAILED' ? e : failed('malformed', e);
  }
}

/** The clear-text fields, without checking the signature (for routing and listing only). */
export function readLockboxInfo(bytes: Uint8Array): LockboxInfo {
  return parseLockbox(bytes).info;
}

export interface OpenLockboxOptions {
  /** This device: the lockbox must name it and be sealed to its box key. */
  readonly recipient: DeviceIdentity;
  /** Whether keys signed by this device are to be accepted (an admin, the invite issuer). */
  trustSender(sender: DeviceId): boolean;
}

/**
 * Verifies the sender's signature, then unseals and checks the bundle against
 * the clear-text fields. Every failure is `E_LOCKBOX_OPEN_FAILED`.
 */
export function openLockbox(crypto: CryptoProvider, bytes: Uint8Array, options: OpenLockboxOptions): { info: LockboxInfo; keys: DocKeys } {
  const { info, senderKey, sealed, body, signature } = parseLockbox(bytes);
  if (!crypto.verify(signature, withContext(Context.lockbox, body), senderKey)) throw failed('sender signature does not verify');
  if (!options.trustSender(info.sender)) throw failed(`sender ${info.sender} is not trusted`);
  if (info.recipient !== options.recipient.deviceId) throw failed(`sealed for ${info.recipient}, not this device`);
  const plain = crypto.boxSealOpen(sealed, boxKeyPairOf(options.recipient));
  if (plain === null) throw failed('does not unseal with this device key');
  let keys: DocKeys;
  try {
    keys = docKeysFromJSON(crypto, JSON.parse(fromUtf8(plain)));
  } catch (e) {
    throw failed('sealed bundle is malformed', e);
  }
  const inRange = [...keys.epochs.keys()].every((e) => e >= info.fromEpoch && e <= info.toEpoch);
  const writeMatches = (keys.writeCap.secretKey !== null) === info.write;
  if (keys.doc !== info.doc || !inRange || !writeMatches) throw failed('sealed bundle does not match the lockbox fields');
  return { info, keys };
}
