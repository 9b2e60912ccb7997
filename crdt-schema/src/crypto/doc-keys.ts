/**
 * Document keys. Each document has one random 32-byte symmetric key per key
 * epoch (envelopes name the epoch they were sealed under), and two
 * capability key pairs the relay checks: the write capability (secret held
 * by writers only) and the read capability (held by every member). Rotating
 * draws a fresh random key, so a new epoch is never derivable from an old one:
 * a revoked device that kept every old key still learns nothing new.
 * DocKeys are immutable values; every change returns a new object.
 */
import { TendrilError } from '../errors.ts';
import { keyEpoch, type DocId, type KeyEpoch } from '../ids.ts';
import { bytesEqual } from './bytes.ts';
import type { CryptoProvider } from './provider.ts';
import { secret, type Secret } from './secret.ts';

/** An Ed25519 capability pair as held by a member. */
export interface CapabilityKeys {
  readonly publicKey: Uint8Array;
  /** Null when this member does not hold the capability (read-only members, for the write capability). */
  readonly secretKey: Secret<Uint8Array> | null;
}

export interface DocKeys {
  readonly doc: DocId;
  /** The epoch new envelopes are sealed under. */
  readonly current: KeyEpoch;
  /** The symmetric keys this member holds, by epoch; possibly only some epochs. */
  readonly epochs: ReadonlyMap<KeyEpoch, Secret<Uint8Array>>;
  /** Current read capability; every member holds its secret. */
  readonly readCap: CapabilityKeys & { readonly secretKey: Secret<Uint8Array> };
  /** Current write capability; the secret only when this member may write. */
  readonly writeCap: CapabilityKeys;
}

function capability(crypto: CryptoProvider): CapabilityKeys & { readonly secretKey: Secret<Uint8Array> } {
  const kp = crypto.signKeyPair();
  return { publicKey: kp.publicKey, secretKey: secret(kp.secretKey) };
}

/** Keys for a new document: epoch 0, fresh capabilities, held as a writer. */
export function createDocKeys(crypto: CryptoProvider, doc: DocId): DocKeys {
  const epoch = keyEpoch(0);
  return {
    doc,
    current: epoch,
    epochs: new Map([[epoch, secret(crypto.randomBytes(32))]]),
    readCap: capability(crypto),
    writeCap: capability(crypto),
  };
}

/**
 * The next epoch: a fresh random key, and by default fresh capability pairs
 * (so a revoked device's old capabilities stop working once the relay gets
 * the new public keys). Only writers rotate: `E_FORBIDDEN` otherwise.
 */
export function rotateDocKeys(crypto: CryptoProvider, keys: DocKeys, options: { capabilities?: boolean } = {}): DocKeys {
  if (keys.writeCap.secretKey === null) throw new TendrilError('E_FORBIDDEN', 'only a writer can rotate document keys');
  const next = keyEpoch(keys.current + 1);
  const epochs = new Map(keys.epochs);
  epochs.set(next, secret(crypto.randomBytes(32)));
  const fresh = options.capabilities ?? true;
  return {
    doc: keys.doc,
    current: next,
    epochs,
    readCap: fresh ? capability(crypto) : keys.readCap,
    writeCap: fresh ? capability(crypto) : keys.writeCap,
  };
}

/** The key of one epoch, or undefined when this member does not hold it. */
export function docKeyFor(keys: DocKeys, epoch: KeyEpoch): Secret<Uint8Array> | undefined {
  return keys.epochs.get(epoch);
}

/** The key to seal new envelopes with; `E_KEY_MISSING` when the current epoch's key is not held. */
export function currentDocKey(keys: DocKeys): { epoch: KeyEpoch; key: Secret<Uint8Array> } {
  const key = keys.epochs.get(keys.current);
  if (key === undefined) throw new TendrilError('E_KEY_MISSING', `no key for epoch ${keys.current} of ${keys.doc}`);
  return { epoch: keys.current, key };
}

export function canWrite(keys: DocKeys): boolean {
  return keys.writeCap.secretKey !== null;
}

/**
 * A subset to hand to another member: the epochs in `[from, to]` (default:
 * all held), with or without the write capability secret.
 */
export function restrictDocKeys(keys: DocKeys, options: { from?: number; to?: number; write: boolean }): DocKeys {
  const from = options.from ?? 0;
  const to = options.to ?? keys.current;
  if (from > to) throw new TendrilError('E_BAD_INPUT', `empty epoch range ${from}..${to}`);
  const epochs = new Map([...keys.epochs].filter(([e]) => e >= from && e <= to));
  if (options.write && keys.writeCap.secretKey === null) throw new TendrilError('E_FORBIDDEN', 'cannot grant a write capability not held');
  const writeCap = options.write ? keys.writeCap : { publicKey: keys.writeCap.publicKey, secretKey: null };
  return { doc: keys.doc, current: keys.current, epochs, readCap: keys.readCap, writeCap };
}

/**
 * Combines keys received at different times (lockboxes for older and newer
 * epochs). Epoch keys are united; capabilities come from the newer side.
 */
export function mergeDocKeys(a: DocKeys, b: DocKeys): DocKeys {
  if (a.doc !== b.doc) throw new TendrilError('E_BAD_INPUT', 'cannot merge keys of different documents');
  const newer = b.current > a.current ? b : a;
  const older = newer === a ? b : a;
  const epochs = new Map(older.epochs);
  for (const [e, k] of newer.epochs) epochs.set(e, k);
  const sameCaps = bytesEqual(older.writeCap.publicKey, newer.writeCap.publicKey);
  const writeSecret = newer.writeCap.secretKey ?? (sameCaps ? older.writeCap.secretKey : null);
  return {
    doc: newer.doc,
    current: newer.current,
    epochs,
    readCap: newer.readCap,
    writeCap: { publicKey: newer.writeCap.publicKey, secretKey: writeSecret },
  };
}
