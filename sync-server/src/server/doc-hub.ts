/**
 * Who follows which document on this relay instance, and the fan-out of
 * committed entries to them. `lastPublished` is the highest seq fanned out
 * while the document had subscribers; a catch-up compares its progress with
 * it to know that nothing was committed behind its back (see subscription.ts).
 */
import type { DocId } from '@tendril/crdt-schema/ids';
import { encodeFrame, FrameType } from '@tendril/crdt-schema/wire';
import type { Connection } from './connection.ts';
import type { Subscription } from './subscription.ts';

interface DocSubscribers {
  readonly subs: Set<Subscription>;
  lastPublished: number;
}

export class DocHub {
  private readonly docs = new Map<DocId, DocSubscribers>();

  join(sub: Subscription): void {
    let d = this.docs.get(sub.doc);
    if (!d) this.docs.set(sub.doc, (d = { subs: new Set(), lastPublished: 0 }));
    d.subs.add(sub);
  }

  leave(sub: Subscription): void {
    const d = this.docs.get(sub.doc);
    if (!d) return;
    d.subs.delete(sub);
    if (d.subs.size === 0) this.docs.delete(sub.doc);
  }

  subscribers(doc: DocId): readonly Subscription[] {
    return [...(this.docs.get(doc)?.subs ?? [])];
  }

  lastPublished(doc: DocId): number {
    return this.docs.get(doc)?.lastPublished ?? 0;
  }

  /** Documents with at least one subscriber. */
  get size(): number {
    return this.docs.size;
  }

  /**
   * Fans a committed entry out to the document's subscribers, in commit order.
   * The Entry frame is encoded once, and only if someone needs it. `origin`
   * (the appending connection) gets an Ack instead of its own entry.
   */
  publish(doc: DocId, seq: number, envelope: Uint8Array, origin: Connection | undefined): void {
    const d = this.docs.get(doc);
    if (!d) return;
    d.lastPublished = Math.max(d.lastPublished, seq);
    let bytes: Uint8Array | undefined;
    const frame = (): Uint8Array => (bytes ??= encodeFrame({ type: FrameType.Entry, doc, seq, envelope }));
    for (const sub of [...d.subs]) sub.offer(seq, frame, origin);
  }
}
