/**
 * Helpers for two-peer unit tests: documents with fixed client ids (so
 * conflict resolution is the same on every run) and a full exchange of
 * missing updates between them, as two peers that reconnect would do.
 */
import * as Y from 'yjs';

/** A fresh document with a fixed client id. */
export function docWithClient(clientID: number): Y.Doc {
  const doc = new Y.Doc();
  doc.clientID = clientID;
  return doc;
}

/** `n` fresh documents with client ids 1..n. */
export function docsWithClients(n: number): Y.Doc[] {
  return Array.from({ length: n }, (_, i) => docWithClient(i + 1));
}

/** Sends every document what each other one is missing, until all hold the same state. */
export function syncDocs(...docs: Y.Doc[]): void {
  for (const from of docs) {
    for (const to of docs) {
      if (from !== to) Y.applyUpdate(to, Y.encodeStateAsUpdate(from, Y.encodeStateVector(to)), 'sync');
    }
  }
}

/** A copy of a document's state in a new document with another client id. */
export function forkDoc(doc: Y.Doc, clientID: number): Y.Doc {
  const copy = docWithClient(clientID);
  Y.applyUpdate(copy, Y.encodeStateAsUpdate(doc));
  return copy;
}
