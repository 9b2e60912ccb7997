/**
 * JSON-safe form of {@link DocKeys}, used for local storage and inside
 * lockboxes. It carries secret keys in base64url: store it encrypted only.
 * Parsing re-derives every capability public key from its seed, so a
 * mismatched or truncated bundle is refused rather than half-used.
 */
import { TendrilError } from '../errors.ts';
import { fromBase64Url, keyEpoch, parseDocId, toBase64Url, type KeyEpoch } from '../ids.ts';
import { bytesEqual } from './bytes.ts';
import type { CapabilityKeys, DocKeys } from './doc-keys.ts';
import type { CryptoProvider } from './provider.ts';
import { secret, type Secret } from './secret.ts';

export interface CapabilityJSON {
  readonly publicKey: string;
  /** Base64url Ed25519 seed; absent when the capability secret is not held. */
  readonly seed?: string;
}

export interface DocKeysJSON {
  readonly v: 1;
  readonly doc: string;
  readonly current: number;
  /** `[epoch, base64url key]` pairs, ascending. */
  readonly epochs: ReadonlyArray<readonly [number, string]>;
  readonly readCap: CapabilityJSON;
  readonly writeCap: CapabilityJSON;
}

const capToJSON = (cap: CapabilityKeys): CapabilityJSON =>
  cap.secretKey === null
    ? { publicKey: toBase64Url(cap.publicKey) }
    : { publicKey: toBase64Url(cap.publicKey), seed: toBase64Url(cap.secretKey.expose().subarray(0, 32)) };

export function docKeysToJSON(keys: DocKeys): DocKeysJSON {
  return {
    v: 1,
    doc: keys.doc,
    current: keys.current,
    epochs: [...keys.epochs].sort(([a], [b]) => a - b).map(([e, k]) => [e, toBase64Url(k.expose())] as const),
    readCap: capToJSON(keys.readCap),
    writeCap: capToJSON(keys.writeCap),
  };
}

const bad = (why: string): TendrilError => new TendrilError('E_BAD_INPUT', `document keys: ${why}`);

function bytesField(text: unknown, length: number, what: string): Uint8Array {
  if (typeof text !== 'string') throw bad(`${what} missing`);
  const bytes = fromBase64Url(text);
  if (bytes.length !== length) throw bad(`${what} has ${bytes.length} bytes, not ${length}`);
  return bytes;
}

function capFromJSON(crypto: CryptoProvider, json: unknown, what: string): CapabilityKeys {
  const j = json as Partial<Record<keyof CapabilityJSON, unknown>> | null;
  if (typeof j !== 'object' || j === null) throw bad(`${what} missing`);
  const publicKey = bytesField(j.publicKey, 32, `${what} public key`);
  if (j.seed === undefined) return { publicKey, secretKey: null };
  const kp = crypto.signKeyPair(bytesField(j.seed, 32, `${what} seed`));
  if (!bytesEqual(kp.publicKey, publicKey)) throw bad(`${what} seed does not match its public key`);
  return { publicKey, secretKey: secret(kp.secretKey) };
}

/** Strict inverse of {@link docKeysToJSON}; throws `E_BAD_INPUT` (or `E_BAD_ID`) on any defect. */
export function docKeysFromJSON(crypto: CryptoProvider, json: unknown): DocKeys {
  const j = json as Partial<Record<keyof DocKeysJSON, unknown>> | null;
  if (typeof j !== 'object' || j === null || j.v !== 1) throw bad('not a serialized key bundle');
  const doc = parseDocId(j.doc);
  if (typeof j.current !== 'number') throw bad('current epoch missing');
  const current = keyEpoch(j.current);
  if (!Array.isArray(j.epochs)) throw bad('epochs missing');
  const epochs = new Map<KeyEpoch, Secret<Uint8Array>>();
  for (const entry of j.epochs as unknown[]) {
    if (!Array.isArray(entry) || entry.length !== 2 || typeof entry[0] !== 'number') throw bad('malformed epoch entry');
    const epoch = keyEpoch(entry[0]);
    if (epoch > current || epochs.has(epoch)) throw bad(`epoch ${epoch} is duplicated or after the current one`);
    epochs.set(epoch, secret(bytesField(entry[1], 32, `key of epoch ${epoch}`)));
  }
  const readCap = capFromJSON(crypto, j.readCap, 'read capability');
  if (readCap.secretKey === null) throw bad('the read capability secret is missing');
  return { doc, current, epochs, readCap: { publicKey: readCap.publicKey, secretKey: readCap.secretKey }, writeCap: capFromJSON(crypto, j.writeCap, 'write capability') };
}
