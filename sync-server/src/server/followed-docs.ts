/**
 * The documents one connection follows, by document id. Most connections
 * follow one document, so the first subscription is held in a field and a
 * Map is made only for a second (a Map and its table cost more than the
 * subscription itself).
 */
import type { DocId } from '@tendril/crdt-schema/ids';
import type { Subscription } from './subscription.ts';

export class FollowedDocs {
  private one: Subscription | undefined;
  private many: Map<DocId, Subscription> | undefined;

  get size(): number {
    return this.many ? this.many.size : this.one ? 1 : 0;
  }

  get(doc: DocId): Subscription | undefined {
    if (this.many) return this.many.get(doc);
    return this.one?.doc === doc ? this.one : undefined;
  }

  has(doc: DocId): boolean {
    return this.get(doc) !== undefined;
  }

  /** Follows `sub.doc` with `sub`, in place of any subscription to it before. */
  set(sub: Subscription): void {
    if (this.many) {
      this.many.set(sub.doc, sub);
    } else if (!this.one || this.one.doc === sub.doc) {
      this.one = sub;
    } else {
      this.many = new Map([[this.one.doc, this.one], [sub.doc, sub]]);
      this.one = undefined;
    }
  }

  delete(doc: DocId): boolean {
    if (this.many) {
      const had = this.many.delete(doc);
      if (this.many.size === 0) this.many = undefined;
      return had;
    }
    if (this.one?.doc !== doc) return false;
    this.one = undefined;
    return true;
  }

  values(): Subscription[] {
    if (this.many) return [...this.many.values()];
    return this.one ? [this.one] : [];
  }

  clear(): void {
    this.one = undefined;
    this.many = undefined;
  }
}
