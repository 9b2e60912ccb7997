/**
 * Passphrase sealing for encrypted backups and the app lock. The key is
 * Argon2id13 of the NFC-normalized passphrase with a random 16-byte salt, at
 * t = 3 passes over 64 MiB by default (above the OWASP minimums of
 * t = 2 / 19 MiB and t = 1 / 47 MiB). The parameters travel in the blob and
 * are authenticated as associated data; when opening they must fall within
 * the injected limits, so a crafted blob can neither weaken the check below
 * the floor nor ask for gigabytes of memory.
 *
 * Layout: u8 version (=1) | u8 algorithm (2 = Argon2id13) | varUint opsLimit |
 *         varUint memLimit (bytes) | 16-byte salt | 24-byte nonce | ciphertext
 */
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import { TendrilError } from '../errors.ts';
import { concatBytes, utf8 } from './bytes.ts';
import type { CryptoProvider, PwhashParams } from './provider.ts';
import { secret, type Secret } from './secret.ts';

const BLOB_VERSION = 1;
const ALG_ARGON2ID13 = 2;
const SALT_BYTES = 16;
const NONCE_BYTES = 24;

/** Production cost: 3 passes over 64 MiB. */
export const DEFAULT_PWHASH: PwhashParams = { opsLimit: 3, memLimit: 64 * 1024 * 1024 };

export interface PwhashLimits {
  readonly min: PwhashParams;
  readonly max: PwhashParams;
}

/** Accepted when opening: OWASP floor up to 16 passes over 1 GiB. */
export const DEFAULT_PWHASH_LIMITS: PwhashLimits = {
  min: { opsLimit: 2, memLimit: 19 * 1024 * 1024 },
  max: { opsLimit: 16, memLimit: 1024 * 1024 * 1024 },
};

export interface PassphraseOptions {
  /** Cost when sealing; tests pass small values (with matching `limits`), production keeps the default. */
  readonly params?: PwhashParams;
  /** Bounds on the cost when sealing and on what a blob may name when opening. */
  readonly limits?: PwhashLimits;
}

function checkParams(params: PwhashParams, limits: PwhashLimits): void {
  const ok =
    Number.isSafeInteger(params.opsLimit) &&
    Number.isSafeInteger(params.memLimit) &&
    params.opsLimit >= limits.min.opsLimit &&
    params.opsLimit <= limits.max.opsLimit &&
    params.memLimit >= limits.min.memLimit &&
    params.memLimit <= limits.max.memLimit;
  if (!ok) throw new TendrilError('E_BAD_INPUT', `Argon2id cost t=${params.opsLimit} m=${params.memLimit} is outside the accepted limits`);
}

function passphraseBytes(passphrase: string): Uint8Array {
  if (passphrase.length === 0) throw new TendrilError('E_BAD_INPUT', 'the passphrase is empty');
  return utf8(passphrase.normalize('NFC'));
}

/** The 32-byte key for a passphrase and salt (Argon2id13). */
export function derivePassphraseKey(crypto: CryptoProvider, passphrase: string, salt: Uint8Array, params: PwhashParams = DEFAULT_PWHASH): Secret<Uint8Array> {
  if (salt.length !== SALT_BYTES) throw new TendrilError('E_BAD_INPUT', 'the salt has 16 bytes');
  return secret(crypto.pwhash(passphraseBytes(passphrase), salt, params, 32));
}

/**
 * Argon2id off the calling thread (a Web Worker in the browser): same inputs and output as
 * CryptoProvider.pwhash. Without one, the async functions below run it in place.
 */
export type AsyncPwhash = (passphrase: Uint8Array, salt: Uint8Array, params: PwhashParams, length: number) => Promise<Uint8Array>;

interface SealPlan {
  readonly header: Uint8Array;
  readonly salt: Uint8Array;
  readonly nonce: Uint8Array;
  readonly params: PwhashParams;
}

function planSeal(crypto: CryptoProvider, options: PassphraseOptions): SealPlan {
  const params = options.params ?? DEFAULT_PWHASH;
  checkParams(params, options.limits ?? DEFAULT_PWHASH_LIMITS);
  const salt = crypto.randomBytes(SALT_BYTES);
  const nonce = crypto.randomBytes(NONCE_BYTES);
  const enc = encoding.createEncoder();
  encoding.writeUint8(enc, BLOB_VERSION);
  encoding.writeUint8(enc, ALG_ARGON2ID13);
  encoding.writeVarUint(enc, params.opsLimit);
  encoding.writeVarUint(enc, params.memLimit);
  encoding.writeUint8Array(enc, salt);
  encoding.writeUint8Array(enc, nonce);
  return { header: encoding.toUint8Array(enc), salt, nonce, params };
}

interface ParsedBlob {
  readonly params: PwhashParams;
  readonly salt: Uint8Array;
  readonly nonce: Uint8Array;
  /** Header length: the associated data, and where the ciphertext starts. */
  readonly headerBytes: number;
}

function parseBlob(blob: Uint8Array, options: PassphraseOptions): ParsedBlob {
  const dec = decoding.createDecoder(blob);
  let params: PwhashParams;
  let salt: Uint8Array;
  let nonce: Uint8Array;
  try {
    if (decoding.readUint8(dec) !== BLOB_VERSION || decoding.readUint8(dec) !== ALG_ARGON2ID13) throw new Error('unknown version or algorithm');
    params = { opsLimit: decoding.readVarUint(dec), memLimit: decoding.readVarUint(dec) };
    salt = decoding.readUint8Array(dec, SALT_BYTES);
    nonce = decoding.readUint8Array(dec, NONCE_BYTES);
  } catch (e) {
    throw new TendrilError('E_BAD_INPUT', 'not a passphrase-sealed blob', { cause: e });
  }
  if (blob.length - dec.pos < 16) throw new TendrilError('E_BAD_INPUT', 'passphrase blob truncated');
  checkParams(params, options.limits ?? DEFAULT_PWHASH_LIMITS);
  return { params, salt, nonce, headerBytes: dec.pos };
}

function openParsed(crypto: CryptoProvider, blob: Uint8Array, b: ParsedBlob, key: Secret<Uint8Array>): Uint8Array {
  const plain = crypto.aeadOpen(blob.subarray(b.headerBytes), blob.subarray(0, b.headerBytes), b.nonce, key.expose());
  key.wipe();
  if (plain === null) throw new TendrilError('E_PASSPHRASE', 'the passphrase does not open this blob');
  return plain;
}

/** Seals `plaintext` under a passphrase with a fresh salt and nonce. */
export function sealWithPassphrase(crypto: CryptoProvider, passphrase: string, plaintext: Uint8Array, options: PassphraseOptions = {}): Uint8Array {
  const plan = planSeal(crypto, options);
  const key = derivePassphraseKey(crypto, passphrase, plan.salt, plan.params);
  return concatBytes(plan.header, crypto.aeadSeal(plaintext, plan.header, plan.nonce, key.expose()));
}

/** Opens a passphrase blob: `E_PASSPHRASE` for a wrong passphrase, `E_BAD_INPUT` for a malformed blob. */
export function openWithPassphrase(crypto: CryptoProvider, passphrase: string, blob: Uint8Array, options: PassphraseOptions = {}): Uint8Array {
  const parsed = parseBlob(blob, options);
  return openParsed(crypto, blob, parsed, derivePassphraseKey(crypto, passphrase, parsed.salt, parsed.params));
}

async function deriveAsync(crypto: CryptoProvider, pwhash: AsyncPwhash | undefined, passphrase: string, salt: Uint8Array, params: PwhashParams): Promise<Secret<Uint8Array>> {
  if (!pwhash) return derivePassphraseKey(crypto, passphrase, salt, params);
  const key = await pwhash(passphraseBytes(passphrase), salt, params, 32);
  if (key.length !== 32) throw new TendrilError('E_BAD_INPUT', 'the Argon2id worker returned a key of the wrong length');
  return secret(key);
}

/** `sealWithPassphrase` with Argon2id run by `pwhash` (off the main thread); the same blob format. */
export async function sealWithPassphraseAsync(crypto: CryptoProvider, passphrase: string, plaintext: Uint8Array, options: PassphraseOptions & { pwhash?: AsyncPwhash } = {}): Promise<Uint8Array> {
  const plan = planSeal(crypto, options);
  const key = await deriveAsync(crypto, options.pwhash, passphrase, plan.salt, plan.params);
  const sealed = concatBytes(plan.header, crypto.aeadSeal(plaintext, plan.header, plan.nonce, key.expose()));
  key.wipe();
  return sealed;
}

/** `openWithPassphrase` with Argon2id run by `pwhash`. */
export async function openWithPassphraseAsync(crypto: CryptoProvider, passphrase: string, blob: Uint8Array, options: PassphraseOptions & { pwhash?: AsyncPwhash } = {}): Promise<Uint8Array> {
  const parsed = parseBlob(blob, options);
  return openParsed(crypto, blob, parsed, await deriveAsync(crypto, options.pwhash, passphrase, parsed.salt, parsed.params));
}
