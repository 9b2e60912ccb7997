/**
 * Append-only logs split into capped segments, so no log is one ever-growing
 * Y.Array (appends to a long Y.Array get slower as it grows). Each writer owns
 * its segments: only it appends to them, so a segment is never created twice
 * concurrently. A writer's newest segment index lives in a `heads` map.
 */
import * as Y from 'yjs';
import type { YMap } from './fields.ts';

/** How a log names its segments. */
export interface SegmentLayout {
  /** Items per segment. */
  readonly cap: number;
  key(writer: string, index: number): string;
  parse(key: string): { writer: string; index: number } | undefined;
}

/** One item of a log with its position in its writer's log (segment index * cap + offset). */
export interface Positioned<T> {
  readonly writer: string;
  readonly position: number;
  readonly item: T;
}

function segmentAt<T>(segments: YMap, key: string): Y.Array<T> | undefined {
  const v = segments.get(key);
  return v instanceof Y.Array ? (v as Y.Array<T>) : undefined;
}

/** The index of the writer's newest segment. */
export function headOf(heads: YMap, writer: string): number {
  const v = heads.get(writer);
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 ? v : 0;
}

/**
 * Appends `items` to the writer's log, opening segments as they fill. Call in
 * a transaction. Returns the position of the first item.
 */
export function appendToSegments<T>(segments: YMap, heads: YMap, writer: string, items: readonly T[], layout: SegmentLayout): number {
  let head = headOf(heads, writer);
  let segment = segmentAt<T>(segments, layout.key(writer, head));
  if (segment === undefined) {
    segment = new Y.Array<T>();
    segments.set(layout.key(writer, head), segment);
  }
  const first = head * layout.cap + segment.length;
  let rest = items;
  while (rest.length > 0) {
    if (segment.length >= layout.cap) {
      head += 1;
      segment = new Y.Array<T>();
      segments.set(layout.key(writer, head), segment);
      heads.set(writer, head);
    }
    const take = rest.slice(0, layout.cap - segment.length);
    segment.push([...take]);
    rest = rest.slice(take.length);
  }
  return first;
}

/** The position the writer's next item will get. */
export function nextPosition(segments: YMap, heads: YMap, writer: string, layout: SegmentLayout): number {
  const head = headOf(heads, writer);
  return head * layout.cap + (segmentAt(segments, layout.key(writer, head))?.length ?? 0);
}

/** Every item of every writer, in no particular order across writers; in order within a segment. */
export function readAllSegments<T>(segments: YMap, layout: SegmentLayout): Positioned<T>[] {
  const out: Positioned<T>[] = [];
  for (const key of segments.keys()) {
    const at = layout.parse(key);
    const segment = segmentAt<T>(segments, key);
    if (at === undefined || segment === undefined) continue;
    segment.toArray().forEach((item, i) => out.push({ writer: at.writer, position: at.index * layout.cap + i, item }));
  }
  return out;
}

/** The items of one writer from position `from` on, in order. */
export function readWriterFrom<T>(segments: YMap, heads: YMap, writer: string, from: number, layout: SegmentLayout): Positioned<T>[] {
  const out: Positioned<T>[] = [];
  const head = headOf(heads, writer);
  for (let index = Math.max(0, Math.floor(from / layout.cap)); index <= head; index++) {
    const segment = segmentAt<T>(segments, layout.key(writer, index));
    if (segment === undefined) continue;
    segment.toArray().forEach((item, i) => {
      const position = index * layout.cap + i;
      if (position >= from) out.push({ writer, position, item });
    });
  }
  return out;
}

/** Deletes the writer's segments that end before `position`, never the head. Returns how many. */
export function pruneSegmentsBefore(segments: YMap, heads: YMap, writer: string, position: number, layout: SegmentLayout): number {
  const head = headOf(heads, writer);
  let pruned = 0;
  for (let index = 0; index < head && (index + 1) * layout.cap <= position; index++) {
    const key = layout.key(writer, index);
    if (segments.has(key)) {
      segments.delete(key);
      pruned++;
    }
  }
  return pruned;
}
