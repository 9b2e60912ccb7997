/**
 * In-memory peers for convergence tests. Each peer holds one Y.Doc per
 * document it has, with a fixed client id, and broadcasts its local updates
 * as opaque frames (document id + update) through a transport. A network
 * owns the peers and the transport and runs delivery rounds.
 */
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import * as Y from 'yjs';
import type { DeviceId, DocId } from '../ids.ts';
import type { Deliver } from './faulty-transport.ts';

/** Transaction origin of updates applied from the network (never re-sent). */
export const REMOTE = Symbol('remote');

export function encodeFrame(docId: DocId, update: Uint8Array): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeVarString(e, docId);
  encoding.writeVarUint8Array(e, update);
  return encoding.toUint8Array(e);
}

export function decodeFrame(bytes: Uint8Array): { docId: DocId; update: Uint8Array } {
  const d = decoding.createDecoder(bytes);
  const docId = decoding.readVarString(d) as DocId;
  const update = decoding.readVarUint8Array(d);
  if (decoding.hasContent(d)) throw new Error('trailing bytes after a frame');
  return { docId, update };
}

export class Peer {
  readonly docs = new Map<DocId, Y.Doc>();
  /** While true, local changes are applied but never sent: a peer that loses its outbox. */
  muted = false;
  private outbox = new Map<DocId, Uint8Array[]>();

  constructor(readonly index: number, readonly device: DeviceId) {}

  /** The peer's copy of a document, created empty on first use. */
  doc(docId: DocId): Y.Doc {
    let doc = this.docs.get(docId);
    if (doc === undefined) {
      doc = new Y.Doc({ gc: true });
      doc.clientID = this.index + 1;
      doc.on('update', (update: Uint8Array, origin: unknown) => {
        if (origin === REMOTE || this.muted) return;
        const list = this.outbox.get(docId) ?? [];
        list.push(update);
        this.outbox.set(docId, list);
      });
      this.docs.set(docId, doc);
    }
    return doc;
  }

  receive(frame: Uint8Array): void {
    const { docId, update } = decodeFrame(frame);
    Y.applyUpdate(this.doc(docId), update, REMOTE);
  }

  /** Takes the frames waiting to be sent; with `batch`, one merged update per document. */
  takeOutbox(batch: boolean): Uint8Array[] {
    const frames: Uint8Array[] = [];
    for (const [docId, updates] of this.outbox) {
      const parts = batch && updates.length > 1 ? [Y.mergeUpdates(updates)] : updates;
      for (const u of parts) frames.push(encodeFrame(docId, u));
    }
    this.outbox.clear();
    return frames;
  }
}

/** What a network needs of a transport. */
export interface Transport {
  send(from: number, bytes: Uint8Array): void;
  round(deliver: Deliver): number;
  readonly pending: number;
}

export class Network {
  rounds = 0;

  constructor(readonly peers: readonly Peer[], readonly transport: Transport, private readonly batch = true) {}

  /** Hands every peer's outbox to the transport. */
  flush(): void {
    for (const peer of this.peers) for (const frame of peer.takeOutbox(this.batch)) this.transport.send(peer.index, frame);
  }

  /** Flushes, then runs one delivery round. */
  round(): void {
    this.flush();
    this.rounds++;
    this.transport.round((to, _from, bytes) => this.peers[to]!.receive(bytes));
  }

  /** Runs rounds until nothing is left to send or deliver; false if `maxRounds` was not enough. */
  settle(maxRounds = 10_000): boolean {
    for (let i = 0; i < maxRounds; i++) {
      this.flush();
      if (this.transport.pending === 0) return true;
      this.round();
    }
    this.flush();
    return this.transport.pending === 0;
  }

  /** Every document id any peer holds, sorted. */
  docIds(): DocId[] {
    const all = new Set<DocId>();
    for (const p of this.peers) for (const id of p.docs.keys()) all.add(id);
    return [...all].sort();
  }
}
