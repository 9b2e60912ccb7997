/**
 * Per-document keys derived from a scope's DocKeys: the content key of a
 * document at an epoch, and its read and write capability key pairs. The
 * derivation binds the document id, so two documents never share a key, and
 * every member holding the scope derives the same capabilities: whichever
 * writer reaches the relay first registers the document, the others agree.
 */
import type { CryptoProvider, KeyPair } from '../crypto/provider.ts';
import type { DocKeys } from '../crypto/doc-keys.ts';
import type { DocId, KeyEpoch } from '../ids.ts';

export interface DocKeyView {
  readonly doc: DocId;
  /** The epoch new envelopes are sealed with. */
  readonly current: KeyEpoch;
  /** The content key of an epoch, or undefined when this device does not hold it. */
  contentKey(epoch: KeyEpoch): Uint8Array | undefined;
  readonly readCap: KeyPair;
  /** Absent for read-only holders. */
  readonly writeCap: KeyPair | undefined;
}

const views = new WeakMap<DocKeys, Map<DocId, DocKeyView>>();

export function deriveDocKeys(crypto: CryptoProvider, scope: DocKeys, doc: DocId): DocKeyView {
  let perScope = views.get(scope);
  if (!perScope) views.set(scope, (perScope = new Map()));
  const cached = perScope.get(doc);
  if (cached) return cached;
  const contentKeys = new Map<KeyEpoch, Uint8Array>();
  const contentKey = (epoch: KeyEpoch): Uint8Array | undefined => {
    let k = contentKeys.get(epoch);
    if (k) return k;
    const base = scope.epochs.get(epoch);
    if (!base) return undefined;
    k = crypto.kdf(base.expose(), `tendril/doc-content/${doc}`, 32);
    contentKeys.set(epoch, k);
    return k;
  };
  // An Ed25519 secret key in libsodium layout starts with its 32-byte seed.
  const cap = (secretKey: Uint8Array, which: string): KeyPair => crypto.signKeyPair(crypto.kdf(secretKey.subarray(0, 32), `tendril/doc-cap-${which}/${doc}`, 32));
  const write = scope.writeCap.secretKey;
  const view: DocKeyView = {
    doc,
    current: scope.current,
    contentKey,
    readCap: cap(scope.readCap.secretKey.expose(), 'read'),
    writeCap: write ? cap(write.expose(), 'write') : undefined,
  };
  perScope.set(doc, view);
  return view;
}
