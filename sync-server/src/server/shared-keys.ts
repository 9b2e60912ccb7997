/**
 * Public keys that many connections hold at once (a document's capability
 * keys: every subscription keeps the one its proof verified under) shared as
 * one Uint8Array per distinct key instead of one copy per holder. The store
 * hands out fresh copies on every read; a subscription keeps the shared one.
 * Entries are weak: a key nobody holds any more is collected and forgotten.
 * Shared keys are never modified (they are only compared and verified under).
 */

const keys = new Map<string, WeakRef<Uint8Array>>();
const forget = new FinalizationRegistry<string>((id) => {
  if (keys.get(id)?.deref() === undefined) keys.delete(id);
});

/** The shared Uint8Array with the bytes of `key` (a copy of it the first time). */
export function sharedKey(key: Uint8Array): Uint8Array {
  const id = Buffer.from(key.buffer, key.byteOffset, key.byteLength).toString('base64');
  const held = keys.get(id)?.deref();
  if (held) return held;
  const copy = key.slice();
  keys.set(id, new WeakRef(copy));
  forget.register(copy, id);
  return copy;
}
