/**
 * Where per-document key lockboxes for members are kept: one sealed blob per
 * (document, key epoch, device). The bytes are opaque here; sealing and
 * opening belong to the crypto module.
 */
import type * as Y from 'yjs';
import { keyEpoch, type DeviceId, type DocId, type KeyEpoch } from '../ids.ts';
import { badInput, compareStrings, readBytes } from './fields.ts';
import { WORKSPACE } from './keys.ts';
import type { Writer } from './writer.ts';

export interface Lockbox {
  readonly docId: DocId;
  readonly epoch: KeyEpoch;
  readonly device: DeviceId;
  readonly sealed: Uint8Array;
}

const keyOf = (docId: DocId, epoch: KeyEpoch, device: DeviceId): string => `${docId}:${epoch}:${device}`;

function parseKey(key: string): Omit<Lockbox, 'sealed'> | undefined {
  const parts = key.split(':');
  if (parts.length !== 3 || !/^\d+$/.test(parts[1]!)) return undefined;
  return { docId: parts[0] as DocId, epoch: keyEpoch(Number(parts[1])), device: parts[2] as DeviceId };
}

export function lockboxesSection(doc: Y.Doc, w: Writer) {
  const root = doc.getMap<unknown>(WORKSPACE.lockboxes);
  const select = (keep: (l: Lockbox) => boolean): Lockbox[] => {
    const out: Lockbox[] = [];
    for (const key of root.keys()) {
      const at = parseKey(key);
      const sealed = readBytes(root, key);
      if (at === undefined || sealed === undefined) continue;
      const box = { ...at, sealed };
      if (keep(box)) out.push(box);
    }
    return out.sort((a, b) => compareStrings(a.docId, b.docId) || a.epoch - b.epoch || compareStrings(a.device, b.device));
  };
  return {
    put(docId: DocId, epoch: KeyEpoch, device: DeviceId, sealed: Uint8Array): void {
      if (!(sealed instanceof Uint8Array) || sealed.length === 0) badInput('a lockbox is non-empty bytes');
      const e = keyEpoch(epoch);
      w.write(() => root.set(keyOf(docId, e, device), sealed));
    },
    get(docId: DocId, epoch: KeyEpoch, device: DeviceId): Uint8Array | undefined {
      return readBytes(root, keyOf(docId, epoch, device));
    },
    remove(docId: DocId, epoch: KeyEpoch, device: DeviceId): void {
      const key = keyOf(docId, epoch, device);
      if (root.has(key)) w.write(() => root.delete(key));
    },
    /** Every lockbox sealed to one device (what it fetches on start). */
    forDevice(device: DeviceId): Lockbox[] {
      return select((l) => l.device === device);
    },
    forDoc(docId: DocId): Lockbox[] {
      return select((l) => l.docId === docId);
    },
    list(): Lockbox[] {
      return select(() => true);
    },
  };
}
