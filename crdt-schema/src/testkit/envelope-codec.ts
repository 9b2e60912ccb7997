/**
 * The real envelope as the convergence test's codec: each peer is a device
 * identity; every update a peer sends is sealed by `sealEnvelope` under the
 * document's key with the peer's next counter for that document, and every
 * copy a peer receives is opened by `openEnvelope` (signature, author, doc,
 * counter, AEAD) with that receiver's own counter tracker. A replay the
 * receiver already applied opens to null (dropped, as a peer drops it); a
 * counter gap throws E_COUNTER_GAP (the copy is held and retried, as a peer
 * holds it until the gap fills); anything damaged throws.
 */
import type { CryptoProvider } from '../crypto/provider.ts';
import { generateDeviceIdentity, type DeviceIdentity } from '../crypto/keys.ts';
import { createDocKeys, currentDocKey, docKeyFor, type DocKeys } from '../crypto/doc-keys.ts';
import { EnvelopeKind } from '../envelope/header.ts';
import { sealEnvelope } from '../envelope/seal.ts';
import { openEnvelope } from '../envelope/open.ts';
import { createCounterTracker, type CounterTracker } from '../envelope/counters.ts';
import { isTendrilError } from '../errors.ts';
import type { DeviceId, DocId } from '../ids.ts';
import type { Codec } from './codec.ts';
import { decodeFrame, encodeFrame } from './peers.ts';

export interface EnvelopeCodec extends Codec {
  /** Envelopes sealed so far. */
  readonly sealed: number;
}

export function envelopeCodec(crypto: CryptoProvider, peers: number): EnvelopeCodec {
  const identities: DeviceIdentity[] = Array.from({ length: peers }, () => generateDeviceIdentity(crypto));
  const members = new Set<DeviceId>(identities.map((i) => i.deviceId));
  const keys = new Map<DocId, DocKeys>();
  const sent = new Map<string, number>();
  const trackers = new Map<string, CounterTracker>();
  let sealed = 0;
  const trackerOf = (to: number, doc: DocId): CounterTracker => {
    const id = `${to}:${doc}`;
    let t = trackers.get(id);
    if (!t) trackers.set(id, (t = createCounterTracker()));
    return t;
  };
  return {
    get sealed() {
      return sealed;
    },
    seal(bytes, from) {
      const { docId, update } = decodeFrame(bytes);
      let k = keys.get(docId);
      if (!k) keys.set(docId, (k = createDocKeys(crypto, docId)));
      const id = `${from}:${docId}`;
      const counter = (sent.get(id) ?? 0) + 1;
      sent.set(id, counter);
      const { epoch, key } = currentDocKey(k);
      sealed++;
      return encodeFrame(docId, sealEnvelope(crypto, { kind: EnvelopeKind.Update, doc: docId, epoch, key, author: identities[from]!, counter, plaintext: update }));
    },
    open(bytes, to) {
      const { docId, update: envelope } = decodeFrame(bytes);
      const counters = trackerOf(to, docId);
      try {
        const opened = openEnvelope(crypto, envelope, {
          doc: docId,
          keyFor: (epoch) => {
            const k = keys.get(docId);
            return k ? docKeyFor(k, epoch) : undefined;
          },
          isAllowedAuthor: (author) => members.has(author),
          counters,
        });
        counters.commit(opened.header.author, opened.header.kind, opened.header.counter);
        return encodeFrame(docId, opened.plaintext);
      } catch (e) {
        if (isTendrilError(e, 'E_REPLAY')) return null;
        throw e;
      }
    },
  };
}
