/**
 * Opening an envelope, in a fixed order that decides which error a bad
 * envelope gets: parse -> version -> document -> signature -> author ->
 * counter -> epoch key -> decrypt. Plaintext is returned only when every
 * step passed; nothing decodes Yjs before that. Opening never changes the
 * counters: the caller commits once the payload was applied.
 */
import { TendrilError } from '../errors.ts';
import type { DeviceId, DocId, KeyEpoch } from '../ids.ts';
import { Context, withContext } from '../crypto/bytes.ts';
import type { CryptoProvider } from '../crypto/provider.ts';
import type { Secret } from '../crypto/secret.ts';
import type { CounterCheck } from './counters.ts';
import { parseEnvelope, type EnvelopeHeader, type EnvelopeKind, type ParsedEnvelope } from './header.ts';

/** What the receiver knows about the document; every check is injected. */
export interface OpenContext {
  /** The document the envelope was delivered for. */
  readonly doc: DocId;
  /** The document key of an epoch, or undefined when this device does not hold it. */
  keyFor(epoch: KeyEpoch): Secret<Uint8Array> | undefined;
  /** Membership and write rights of the author for this kind of envelope, at the envelope's key epoch. */
  isAllowedAuthor(author: DeviceId, kind: EnvelopeKind, epoch: KeyEpoch): boolean;
  readonly counters: CounterCheck;
}

export interface OpenedEnvelope {
  readonly header: EnvelopeHeader;
  readonly plaintext: Uint8Array;
}

/** Parse, version and document checks; the first three steps. */
export function parseForDoc(bytes: Uint8Array, doc: DocId): ParsedEnvelope {
  const parsed = parseEnvelope(bytes);
  if (parsed.header.doc !== doc) {
    throw new TendrilError('E_WRONG_DOC', `envelope for ${parsed.header.doc} delivered for ${doc}`);
  }
  return parsed;
}

/** The exact message the author signed. */
export function signedMessage(parsed: ParsedEnvelope): Uint8Array {
  return withContext(Context.envelope, parsed.signed);
}

/** The steps after the signature check, given its verdict. */
export function finishOpen(crypto: CryptoProvider, parsed: ParsedEnvelope, signatureValid: boolean, ctx: OpenContext): OpenedEnvelope {
  const { header } = parsed;
  if (!signatureValid) throw new TendrilError('E_BAD_SIGNATURE', `signature of ${header.author} #${header.counter} does not verify`);
  if (!ctx.isAllowedAuthor(header.author, header.kind, header.epoch)) {
    throw new TendrilError('E_UNKNOWN_AUTHOR', `${header.author} may not write ${header.kind === 0 ? 'updates' : 'snapshots'} to ${header.doc}`);
  }
  ctx.counters.check(header.author, header.kind, header.counter);
  const key = ctx.keyFor(header.epoch);
  if (key === undefined) throw new TendrilError('E_UNKNOWN_EPOCH', `no key for epoch ${header.epoch} of ${header.doc}`);
  const plaintext = crypto.aeadOpen(parsed.ciphertext, parsed.headerBytes, parsed.nonce, key.expose());
  if (plaintext === null) throw new TendrilError('E_DECRYPT_FAILED', `envelope ${header.author} #${header.counter} does not decrypt under epoch ${header.epoch}`);
  return { header, plaintext };
}

/**
 * Opens one envelope whose signature verdict is already known: from its own check, or from the
 * author's hash chain (chain.ts). Parse and document checks run here, every later step in finishOpen.
 */
export function openWithVerdict(crypto: CryptoProvider, bytes: Uint8Array, signatureValid: boolean, ctx: OpenContext): OpenedEnvelope {
  return finishOpen(crypto, parseForDoc(bytes, ctx.doc), signatureValid, ctx);
}

/**
 * The signature verdict of one parsed envelope, checked through the provider's `verifyMany`: on
 * libuv's thread pool in Node, through WebCrypto in browsers, so the calling thread is free
 * meanwhile. False when the verifier failed; never rejects.
 */
export function signatureVerdict(crypto: CryptoProvider, parsed: ParsedEnvelope): Promise<boolean> {
  return crypto.verifyMany([{ signature: parsed.signature, message: signedMessage(parsed), publicKey: parsed.authorKey }]).then(
    (verdicts) => verdicts[0] === true,
    () => false,
  );
}

/** Verifies and decrypts one envelope, or throws the {@link TendrilError} of the first failed step. */
export function openEnvelope(crypto: CryptoProvider, bytes: Uint8Array, ctx: OpenContext): OpenedEnvelope {
  const parsed = parseForDoc(bytes, ctx.doc);
  const valid = crypto.verify(parsed.signature, signedMessage(parsed), parsed.authorKey);
  return finishOpen(crypto, parsed, valid, ctx);
}
