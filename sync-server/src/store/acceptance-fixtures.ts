/** Fixtures for the RelayStore acceptance suite: ids, keys and envelopes. */
import { randomBytes } from 'node:crypto';
import { newDocId, newWorkspaceId } from '@tendril/crdt-schema/ids';
import type { DocId, WorkspaceId } from '@tendril/crdt-schema/ids';
import type { AppendInput, DocRecord, RelayStore } from './types.ts';

export const key = (): Uint8Array => new Uint8Array(randomBytes(32));

export function docRecord(workspace: WorkspaceId = newWorkspaceId(), doc: DocId = newDocId()): DocRecord {
  return { doc, workspace, writeKey: key(), readKey: key() };
}

/** A registered, empty document. */
export async function newDoc(store: RelayStore): Promise<DocId> {
  const record = docRecord();
  await store.createDoc(record);
  return record.doc;
}

/** An envelope whose bytes name its author and counter, so a mix-up shows. */
export function entry(author: Uint8Array, counter: number, size = 24): AppendInput {
  const envelope = new Uint8Array(size);
  envelope.set(author.subarray(0, Math.min(16, size)));
  new DataView(envelope.buffer).setUint32(Math.max(0, size - 4), counter);
  return { author, counter, envelope };
}

/** Appends `n` entries by `author` with counters from..from+n-1, one at a time. */
export async function appendMany(store: RelayStore, doc: DocId, author: Uint8Array, n: number, from = 1): Promise<number[]> {
  const seqs: number[] = [];
  for (let i = 0; i < n; i++) seqs.push((await store.append(doc, entry(author, from + i))).seq);
  return seqs;
}
