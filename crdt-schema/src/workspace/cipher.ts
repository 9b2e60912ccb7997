/**
 * The real DocCipher: a document's envelopes sealed and opened with keys
 * derived from the workspace scope keys, authors checked against the signed
 * member directory (including the key epoch, so a revoked device's new
 * envelopes are refused), and local state sealed with the device's local key.
 */
import type { CryptoProvider } from '../crypto/provider.ts';
import type { DeviceIdentity } from '../crypto/keys.ts';
import { secret, type Secret } from '../crypto/secret.ts';
import type { DocKeys } from '../crypto/doc-keys.ts';
import { isTendrilError, TendrilError } from '../errors.ts';
import type { DeviceId, DocId, KeyEpoch } from '../ids.ts';
import { chainHash, finishOpen, parsedChainVerdicts, parseForDoc, sealEnvelope, signatureVerdict, signedMessage, type EnvelopeKind, type ParsedEnvelope } from '../envelope/index.ts';
import { deriveDocKeys, type DocKeyView } from '../keyring/doc-keys.ts';
import type { Scope } from '../keyring/scopes.ts';
import { EPHEMERAL_OVERHEAD, type DocCipher, type EphemeralKind } from '../sync/doc-cipher.ts';
import { subscribeProofBytes } from '../wire/proofs.ts';
import { CapMode } from '../wire/frames.ts';
import { mayAuthor, type Directory } from './directory.ts';

export interface DocCipherOptions {
  readonly crypto: CryptoProvider;
  readonly identity: DeviceIdentity;
  readonly doc: DocId;
  readonly scope: Scope;
  /** The scope's keys as held now (read at each call, so a rotation applies at once). */
  readonly keys?: () => DocKeys;
  /**
   * Instead of `keys`: the document's own keys, used as they are (a single-document grant to a
   * device whose role lacks the scope; see keyring/doc-grant.ts). Read at each call as well.
   */
  readonly granted?: () => DocKeyView;
  readonly directory: Directory;
  readonly localKey: Uint8Array;
  /**
   * Index documents only: whether an envelope from an author not yet in the directory is that
   * device's own enrollment (its update, applied to a copy of the index, yields a verified
   * membership for the author). Checked after the signature and decryption, before anyone applies it.
   */
  readonly admitEnrollment?: (author: DeviceId, update: Uint8Array) => boolean;
}

const LOCAL_NONCE = 24;

const ephemeralAd = (kind: EphemeralKind, doc: DocId, from: DeviceId, epoch: number): Uint8Array => new TextEncoder().encode(`tendril/${kind}/v1/${doc}/${from}/${epoch}`);

export function createDocCipher(o: DocCipherOptions): DocCipher {
  // Ephemeral payloads open for any holder of the document key (viewers are not enrolled members),
  // except a revoked device sealing at or after its revocation epoch. What a payload may do is the
  // receiver's decision (a gateway types input only from its session's writers).
  const mayRead = (from: DeviceId, epoch: number): boolean => {
    const m = o.directory.member(from);
    return m === undefined || m.revokedAtEpoch === undefined || epoch < m.revokedAtEpoch;
  };
  const { crypto, identity, doc, scope } = o;
  const { keys, granted } = o;
  if (!keys === !granted) throw new TendrilError('E_BAD_INPUT', 'a document cipher needs either scope keys or granted document keys');
  const view = granted ?? (() => deriveDocKeys(crypto, keys!(), doc));
  const localAd = new TextEncoder().encode(`tendril/local-state/v1/${doc}`);
  const keyFor = (epoch: KeyEpoch): Secret<Uint8Array> | undefined => {
    const k = view().contentKey(epoch);
    return k ? secret(k) : undefined;
  };
  // The epoch is the envelope's own (finishOpen asks after the signature check, which covers it).
  const isAllowedAuthor = (author: DeviceId, _kind: EnvelopeKind, epoch: KeyEpoch): boolean => author === identity.deviceId || mayAuthor(o.directory, author, scope, epoch);
  const anyAuthor = (): boolean => true;
  /**
   * Entries parsed for their verdict (a live entry's, or a catch-up run's), so opening them does not
   * parse them again: the verdict is of that very parse. Parses are views into the same bytes.
   */
  const parsedForVerdict = new WeakMap<Uint8Array, ParsedEnvelope>();
  const sealEphemeralInto: DocCipher['sealEphemeralInto'] = (kind, parts, out, at) => {
    const v = view();
    const key = v.contentKey(v.current);
    if (!key) throw new TendrilError('E_KEY_MISSING', `no ${scope} key for the current epoch`);
    let length = 0;
    for (const p of parts) length += p.length;
    // Checked before anything is written, so a refused call leaves `out` as it was.
    if (!Number.isSafeInteger(at) || at < 0 || out.length - at < EPHEMERAL_OVERHEAD + length) throw new TendrilError('E_BAD_INPUT', 'the output is too short for the sealed payload');
    const nonce = crypto.randomBytes(LOCAL_NONCE);
    out[at] = v.current & 0xff;
    out[at + 1] = (v.current >> 8) & 0xff;
    out.set(nonce, at + 2);
    crypto.aeadSealInto(parts, ephemeralAd(kind, doc, identity.deviceId, v.current), nonce, key, out, at + 2 + LOCAL_NONCE);
  };
  return {
    self: identity.deviceId,
    get canWrite() {
      return view().writeCap !== undefined;
    },
    get caps() {
      const v = view();
      return { writeKey: v.writeCap?.publicKey ?? new Uint8Array(32), readKey: v.readCap.publicKey };
    },
    seal(kind, counter, plaintext, prev) {
      const v = view();
      const key = v.contentKey(v.current);
      if (!key) throw new TendrilError('E_KEY_MISSING', `no ${scope} key for the current epoch`);
      return sealEnvelope(crypto, { kind, doc, epoch: v.current, key: secret(key), author: identity, counter, plaintext, ...(prev === undefined ? {} : { prev }) });
    },
    verdict(envelope) {
      let parsed: ParsedEnvelope;
      try {
        parsed = parseForDoc(envelope, doc);
      } catch {
        // Opening it reports the parse error before the verdict matters.
        return Promise.resolve(false);
      }
      parsedForVerdict.set(envelope, parsed);
      return signatureVerdict(crypto, parsed);
    },
    verdicts(envelopes) {
      const parsed = envelopes.map((bytes): ParsedEnvelope | null => {
        try {
          const p = parseForDoc(bytes, doc);
          parsedForVerdict.set(bytes, p);
          return p;
        } catch {
          return null;
        }
      });
      return parsedChainVerdicts(crypto, envelopes, parsed);
    },
    chainHash: (envelope) => chainHash(crypto, envelope),
    open(envelope, counters, signatureValid) {
      // Parsed once (parse, version and document checks), then verified unless the verdict is known.
      const parsed = parsedForVerdict.get(envelope) ?? parseForDoc(envelope, doc);
      parsedForVerdict.delete(envelope);
      const valid = signatureValid ?? crypto.verify(parsed.signature, signedMessage(parsed), parsed.authorKey);
      try {
        return finishOpen(crypto, parsed, valid, { doc, keyFor, isAllowedAuthor, counters });
      } catch (e) {
        if (!(isTendrilError(e, 'E_UNKNOWN_AUTHOR') && o.admitEnrollment)) throw e;
        const opened = finishOpen(crypto, parsed, valid, { doc, keyFor, isAllowedAuthor: anyAuthor, counters });
        if (!o.admitEnrollment(opened.header.author, opened.plaintext)) throw e;
        return opened;
      }
    },
    subscribeProof(nonce, mode) {
      const v = view();
      const cap = mode === CapMode.Write ? v.writeCap : v.readCap;
      if (!cap) throw new TendrilError('E_FORBIDDEN', `this device holds no write capability for ${scope} documents`);
      return crypto.sign(subscribeProofBytes(nonce, doc, mode), cap.secretKey);
    },
    sealEphemeral(kind, plaintext) {
      const out = new Uint8Array(EPHEMERAL_OVERHEAD + plaintext.length);
      sealEphemeralInto(kind, [plaintext], out, 0);
      return out;
    },
    sealEphemeralInto,
    openEphemeral(kind, from, sealed) {
      if (sealed.length < EPHEMERAL_OVERHEAD) return null;
      const epoch = (sealed[0]! | (sealed[1]! << 8)) as KeyEpoch;
      const key = view().contentKey(epoch);
      if (!key || !mayRead(from, epoch)) return null;
      return crypto.aeadOpen(sealed.subarray(2 + LOCAL_NONCE), ephemeralAd(kind, doc, from, epoch), sealed.subarray(2, 2 + LOCAL_NONCE), key);
    },
    sealLocal(plaintext) {
      const nonce = crypto.randomBytes(LOCAL_NONCE);
      const ct = crypto.aeadSeal(plaintext, localAd, nonce, o.localKey);
      const out = new Uint8Array(LOCAL_NONCE + ct.length);
      out.set(nonce);
      out.set(ct, LOCAL_NONCE);
      return out;
    },
    openLocal(sealed) {
      const pt = sealed.length > LOCAL_NONCE ? crypto.aeadOpen(sealed.subarray(LOCAL_NONCE), localAd, sealed.subarray(0, LOCAL_NONCE), o.localKey) : null;
      if (!pt) throw new TendrilError('E_DECRYPT_FAILED', `the local state of ${doc} does not open with this device's local key`);
      return pt;
    },
  };
}
