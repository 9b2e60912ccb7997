/**
 * The per-author hash chain: one signature covers a run of envelopes.
 *
 * A version 2 header carries `prev`, the 16-byte BLAKE2b of the same author's
 * previous update envelope in the document (all of its bytes, signature
 * included), or zeros when the author did not know it. The signature covers
 * the header, so a verified envelope is its author's commitment to the exact
 * bytes of its predecessor, and that one's `prev` to the one before, as
 * signed append-only logs verify one signed root rather than every block.
 *
 * {@link chainVerdicts} gives the signature verdict of each envelope of a run
 * (a catch-up batch, in relay order): an update envelope is accepted without
 * its own Ed25519 check when an accepted update envelope of the same author
 * with the next counter names its hash; anything else (each author's newest
 * envelope in the run, a broken link, a zero or missing `prev`, a snapshot)
 * is checked on its own signature. Working from the newest envelope back,
 * a batch with intact chains costs one verification per author.
 *
 * Why this is sound: a chain-accepted envelope hashes to a value its author
 * signed. Finding other bytes with that hash is a second preimage of a
 * 128-bit hash; a collision would not do, as only the author could have
 * chosen both colliding envelopes, and it can sign either anyway. The link is
 * looked up by the author and counter the linked envelope's own header names,
 * so an author cannot vouch for an envelope naming another author. The
 * verdict replaces only the signature step: author, epoch, counter and
 * decryption checks run per envelope as before (open.ts finishOpen).
 */
import { bytesEqual, Context, contextPrefix } from '../crypto/bytes.ts';
import type { CryptoProvider } from '../crypto/provider.ts';
import type { DocId } from '../ids.ts';
import { EnvelopeKind, PREV_BYTES, type ParsedEnvelope } from './header.ts';
import { parseForDoc, signedMessage } from './open.ts';

/** `prev` of an author's first update envelope, or of one sealed without knowing its predecessor. */
export const ZERO_PREV: Uint8Array = new Uint8Array(PREV_BYTES);

/** Reused for the hashed bytes (context then envelope): the hash is synchronous and keeps nothing. */
let scratch = new Uint8Array(1024);

/** The link an author's next update envelope names as `prev`. */
export function chainHash(crypto: CryptoProvider, envelope: Uint8Array): Uint8Array {
  const prefix = contextPrefix(Context.envelopeChain);
  const n = prefix.length + envelope.length;
  if (scratch.length < n) scratch = new Uint8Array(Math.max(n, 2 * scratch.length));
  scratch.set(prefix, 0);
  scratch.set(envelope, prefix.length);
  return crypto.hash(scratch.subarray(0, n), PREV_BYTES);
}

function isZero(bytes: Uint8Array): boolean {
  for (let i = 0; i < bytes.length; i++) if (bytes[i] !== 0) return false;
  return true;
}

/**
 * Signature verdicts for a run of envelopes delivered for `doc`, index-aligned. An envelope that
 * does not parse for `doc` gets false (opening it reports its parse error first).
 */
export function chainVerdicts(crypto: CryptoProvider, doc: DocId, envelopes: readonly Uint8Array[]): boolean[] {
  const parsed = envelopes.map((bytes): ParsedEnvelope | null => {
    try {
      return parseForDoc(bytes, doc);
    } catch {
      return null;
    }
  });
  return parsedChainVerdicts(crypto, envelopes, parsed);
}

/**
 * {@link chainVerdicts} of envelopes already parsed for the document (null: did not parse, false),
 * so a caller that opens them next parses each once.
 */
export function parsedChainVerdicts(crypto: CryptoProvider, envelopes: readonly Uint8Array[], parsed: readonly (ParsedEnvelope | null)[]): boolean[] {
  const verdicts = new Array<boolean>(envelopes.length).fill(false);
  /** author → counter → the `prev` values accepted envelopes with the next counter name for it. */
  const named = new Map<string, Map<number, Uint8Array[]>>();
  for (let i = envelopes.length - 1; i >= 0; i--) {
    const p = parsed[i];
    if (!p) continue;
    const { header } = p;
    let ok = false;
    const byCounter = named.get(header.author);
    if (header.kind === EnvelopeKind.Update && byCounter !== undefined) {
      const links = byCounter.get(header.counter);
      if (links) {
        const hash = chainHash(crypto, envelopes[i]!);
        for (const link of links) if (bytesEqual(link, hash)) ok = true;
      }
    }
    if (!ok) ok = crypto.verify(p.signature, signedMessage(p), p.authorKey);
    verdicts[i] = ok;
    if (ok && header.kind === EnvelopeKind.Update && header.prev !== undefined && header.counter > 1 && !isZero(header.prev)) {
      let counters = byCounter;
      if (!counters) named.set(header.author, (counters = new Map()));
      const links = counters.get(header.counter - 1);
      if (links) links.push(header.prev);
      else counters.set(header.counter - 1, [header.prev]);
    }
  }
  return verdicts;
}
