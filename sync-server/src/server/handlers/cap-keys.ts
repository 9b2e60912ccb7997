/**
 * Which capability keys open a document for a mode and a device: the current
 * write key for writing; the current read or write key for reading, and any
 * replaced (retired) key whose replacement named the device as a reader.
 */
import { CapMode } from '@tendril/crdt-schema/wire';
import { bytesEqual } from '../../store/bytes.ts';
import type { DocState } from '../../store/types.ts';

/** Keys whose signature proves `mode` for `deviceKey`, current ones first. */
export function capKeysFor(doc: DocState, mode: CapMode, deviceKey: Uint8Array): Uint8Array[] {
  if (mode === CapMode.Write) return [doc.writeKey];
  const keys = [doc.readKey, doc.writeKey];
  for (const r of doc.retired) if (r.readers.some((k) => bytesEqual(k, deviceKey))) keys.push(r.readKey, r.writeKey);
  return keys;
}

export function capKeyStillGood(doc: DocState, mode: CapMode, capKey: Uint8Array, deviceKey: Uint8Array): boolean {
  return capKeysFor(doc, mode, deviceKey).some((k) => bytesEqual(k, capKey));
}

/** A retired pair the device may still read with, equal to `caps`. */
export function isRetiredFor(doc: DocState, caps: { writeKey: Uint8Array; readKey: Uint8Array }, deviceKey: Uint8Array): boolean {
  return doc.retired.some((r) => bytesEqual(r.writeKey, caps.writeKey) && bytesEqual(r.readKey, caps.readKey) && r.readers.some((k) => bytesEqual(k, deviceKey)));
}

/** Whether `key` was one of the document's replaced capability keys. */
export function wasRetired(doc: DocState, key: Uint8Array): boolean {
  return doc.retired.some((r) => bytesEqual(r.writeKey, key) || bytesEqual(r.readKey, key));
}
