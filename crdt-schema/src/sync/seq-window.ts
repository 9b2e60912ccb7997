/**
 * Tracks which relay sequence numbers a document has accounted for. The
 * cursor is the highest seq such that every seq up to it is applied (or
 * covered by a snapshot); seqs above it that arrived early (an ack before the
 * entries around it) wait in a set until the gap closes.
 */
export class SeqWindow {
  private _cursor = 0;
  private readonly above = new Set<number>();

  get cursor(): number {
    return this._cursor;
  }
  /** Seqs accounted for above the cursor. */
  get pendingAbove(): number {
    return this.above.size;
  }

  has(seq: number): boolean {
    return seq <= this._cursor || this.above.has(seq);
  }

  add(seq: number): void {
    if (seq <= this._cursor) return;
    this.above.add(seq);
    while (this.above.delete(this._cursor + 1)) this._cursor++;
  }

  /** Moves the cursor to at least `seq` (a loaded state or snapshot covers everything up to it). */
  reset(seq: number): void {
    if (seq <= this._cursor) return;
    this._cursor = seq;
    for (const s of this.above) if (s <= seq) this.above.delete(s);
    while (this.above.delete(this._cursor + 1)) this._cursor++;
  }
}
