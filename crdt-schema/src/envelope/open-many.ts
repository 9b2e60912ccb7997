/**
 * Opening a batch (a cold load, a catch-up burst). Signatures are checked
 * together through `verifyMany`, which runs them on native threads where the
 * platform has them, and envelopes carrying a valid local tag skip Ed25519
 * altogether. The remaining steps run in order, per envelope, against a
 * staged copy of the counters, so a batch holding counters 1, 2, 3 of one
 * author opens all three. Each outcome is what {@link openEnvelope} would
 * have returned or thrown; the caller commits counters as it applies.
 *
 * Local "already verified" tags: when a device stores an envelope it opened,
 * it may store beside it a 16-byte BLAKE2b tag keyed with a device-local
 * secret. A matching tag stands in for the Ed25519 check (about 4 us against
 * 60-120 us): only this device could have made it, after verifying these
 * exact bytes. Author, counter, epoch and decryption checks still run, and a
 * tag that does not match falls back to the signature.
 */
import { TendrilError } from '../errors.ts';
import { bytesEqual, Context, withContext } from '../crypto/bytes.ts';
import type { CryptoProvider, VerifyItem } from '../crypto/provider.ts';
import type { Secret } from '../crypto/secret.ts';
import type { CounterTracker } from './counters.ts';
import type { ParsedEnvelope } from './header.ts';
import { finishOpen, parseForDoc, signedMessage, type OpenContext, type OpenedEnvelope } from './open.ts';

export const LOCAL_TAG_BYTES = 16;

/** The tag of an envelope under the device-local storage key (32 bytes, never leaves the device). */
export function localVerifiedTag(crypto: CryptoProvider, localKey: Secret<Uint8Array>, envelope: Uint8Array): Uint8Array {
  return crypto.hash(withContext(Context.localVerified, envelope), LOCAL_TAG_BYTES, localKey.expose());
}

export function hasLocalVerifiedTag(crypto: CryptoProvider, localKey: Secret<Uint8Array>, envelope: Uint8Array, tag: Uint8Array | undefined): boolean {
  return tag !== undefined && tag.length === LOCAL_TAG_BYTES && bytesEqual(localVerifiedTag(crypto, localKey, envelope), tag);
}

export type OpenOutcome = { readonly ok: true; readonly envelope: OpenedEnvelope } | { readonly ok: false; readonly error: TendrilError };

export interface OpenManyContext extends Omit<OpenContext, 'counters'> {
  /** Read, never written: openMany works on `counters.staged()`. */
  readonly counters: CounterTracker;
}

export interface OpenManyOptions {
  /** Tags from {@link localVerifiedTag}, index-aligned with the envelopes, and the local key they were made with. */
  readonly localTags?: { readonly key: Secret<Uint8Array>; readonly tags: readonly (Uint8Array | undefined)[] };
}

function failure(e: unknown): OpenOutcome {
  if (e instanceof TendrilError) return { ok: false, error: e };
  throw e;
}

export async function openMany(
  crypto: CryptoProvider,
  envelopes: readonly Uint8Array[],
  ctx: OpenManyContext,
  options: OpenManyOptions = {},
): Promise<OpenOutcome[]> {
  const parsed: (ParsedEnvelope | OpenOutcome)[] = envelopes.map((bytes) => {
    try {
      return parseForDoc(bytes, ctx.doc);
    } catch (e) {
      return failure(e);
    }
  });

  const pending: number[] = [];
  const items: VerifyItem[] = [];
  const verdict = new Array<boolean>(envelopes.length).fill(false);
  parsed.forEach((p, i) => {
    if ('ok' in p) return;
    const tags = options.localTags;
    if (tags !== undefined && hasLocalVerifiedTag(crypto, tags.key, envelopes[i]!, tags.tags[i])) {
      verdict[i] = true;
      return;
    }
    pending.push(i);
    items.push({ signature: p.signature, message: signedMessage(p), publicKey: p.authorKey });
  });
  const results = await crypto.verifyMany(items);
  pending.forEach((i, k) => (verdict[i] = results[k] === true));

  const counters = ctx.counters.staged();
  const stagedCtx: OpenContext = {
    doc: ctx.doc,
    keyFor: (epoch) => ctx.keyFor(epoch),
    isAllowedAuthor: (author, kind, epoch) => ctx.isAllowedAuthor(author, kind, epoch),
    counters,
  };
  return parsed.map((p, i) => {
    if ('ok' in p) return p;
    try {
      const envelope = finishOpen(crypto, p, verdict[i]!, stagedCtx);
      counters.commit(envelope.header.author, envelope.header.kind, envelope.header.counter);
      return { ok: true, envelope };
    } catch (e) {
      return failure(e);
    }
  });
}
