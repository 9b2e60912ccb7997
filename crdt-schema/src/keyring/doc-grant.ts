/**
 * Keys for one document, handed to a device whose role does not cover the
 * document's scope (a worker the user allowed to use one terminal session).
 * The bundle is a DocKeys whose `doc` is the document itself: its epochs hold
 * the document's derived content keys (never the scope keys they come from),
 * its read capability is the document's derived read pair, and it carries no
 * write secret, so the holder can read and exchange ephemeral frames on that
 * one document and on no other. It travels in an ordinary lockbox.
 */
import type { CryptoProvider } from '../crypto/provider.ts';
import type { DocKeys } from '../crypto/doc-keys.ts';
import { secret, type Secret } from '../crypto/secret.ts';
import type { DocId, KeyEpoch } from '../ids.ts';
import { deriveDocKeys, type DocKeyView } from './doc-keys.ts';

/** The single-document bundle for `doc`, from the scope keys the granting device holds (every epoch it holds). */
export function docGrantKeys(crypto: CryptoProvider, scope: DocKeys, doc: DocId): DocKeys {
  const view = deriveDocKeys(crypto, scope, doc);
  const epochs = new Map<KeyEpoch, Secret<Uint8Array>>();
  for (const epoch of scope.epochs.keys()) {
    const key = view.contentKey(epoch);
    if (key) epochs.set(epoch, secret(key));
  }
  return {
    doc,
    current: view.current,
    epochs,
    readCap: { publicKey: view.readCap.publicKey, secretKey: secret(view.readCap.secretKey) },
    writeCap: { publicKey: view.writeCap?.publicKey ?? new Uint8Array(32), secretKey: null },
  };
}

/** The document key view of a received bundle: its keys are used as they are, not derived again. */
export function docGrantView(keys: DocKeys): DocKeyView {
  return {
    doc: keys.doc,
    current: keys.current,
    contentKey: (epoch) => keys.epochs.get(epoch)?.expose(),
    readCap: { publicKey: keys.readCap.publicKey, secretKey: keys.readCap.secretKey.expose() },
    writeCap: undefined,
  };
}
