/**
 * A terminal's output and screen snapshots. Output chunks get consecutive
 * sequence numbers and live in capped segments keyed by the sequence range
 * they hold ("000000000000-000000000255"); the gateway is their one writer.
 * A snapshot is the encrypted-at-rest screen state covering every chunk
 * before `coversSeq`; only the last few are kept, and output they cover can
 * be pruned. A viewer restores the latest snapshot, then replays from there.
 */
import type * as Y from 'yjs';
import type { DeviceId } from '../ids.ts';
import { badInput, checkInt, isRecord } from './fields.ts';
import { TERMINAL, TERMINAL_OUTPUT_WRITER } from './keys.ts';
import { appendToSegments, nextPosition, pruneSegmentsBefore, readWriterFrom, type SegmentLayout } from './segments.ts';
import type { Writer } from './writer.ts';

export const OUTPUT_SEGMENT_CAP = 256;
export const SNAPSHOTS_KEPT = 3;
const MAX_CHUNK = 1 << 20;

export interface OutputChunk {
  readonly seq: number;
  readonly bytes: Uint8Array;
}

export interface ScreenSnapshot {
  /** Every output chunk with a smaller sequence number is reflected in `bytes`. */
  readonly coversSeq: number;
  /** Opaque (encrypted at rest) screen state. */
  readonly bytes: Uint8Array;
  readonly at: number;
  readonly by: DeviceId;
}

const pad = (n: number): string => n.toString().padStart(12, '0');

export function outputLayout(cap = OUTPUT_SEGMENT_CAP): SegmentLayout {
  return {
    cap,
    key: (_writer, index) => `${pad(index * cap)}-${pad((index + 1) * cap - 1)}`,
    parse(key) {
      const m = /^(\d{12})-(\d{12})$/.exec(key);
      const start = m === null ? NaN : Number(m[1]);
      return start % cap === 0 ? { writer: TERMINAL_OUTPUT_WRITER, index: start / cap } : undefined;
    },
  };
}

function parseSnapshot(v: unknown): ScreenSnapshot | undefined {
  if (!isRecord(v)) return undefined;
  const { coversSeq, bytes, at, by } = v;
  if (typeof coversSeq !== 'number' || !(bytes instanceof Uint8Array) || typeof at !== 'number' || typeof by !== 'string') return undefined;
  return { coversSeq, bytes, at, by: by as DeviceId };
}

export function outputSection(doc: Y.Doc, w: Writer, layout: SegmentLayout = outputLayout()) {
  const segments = doc.getMap<unknown>(TERMINAL.output);
  const heads = doc.getMap<unknown>(TERMINAL.outputHeads);
  const writer = TERMINAL_OUTPUT_WRITER;
  return {
    /** Appends output chunks; returns the sequence number of the first. */
    append(chunks: Uint8Array | readonly Uint8Array[]): number {
      const list = chunks instanceof Uint8Array ? [chunks] : [...chunks];
      if (list.length === 0 || list.some((c) => !(c instanceof Uint8Array) || c.length === 0 || c.length > MAX_CHUNK)) {
        badInput(`output chunks are 1..${MAX_CHUNK} bytes`);
      }
      return w.write(() => appendToSegments(segments, heads, writer, list, layout));
    },
    /** Chunks from `fromSeq` on, in order (pruned ranges are simply absent). */
    read(fromSeq = 0): OutputChunk[] {
      return readWriterFrom<unknown>(segments, heads, writer, fromSeq, layout).flatMap((p) =>
        p.item instanceof Uint8Array ? [{ seq: p.position, bytes: p.item }] : [],
      );
    },
    /** The sequence number the next chunk will get. */
    end(): number {
      return nextPosition(segments, heads, writer, layout);
    },
    /** Drops whole segments before `seq` (never the newest); returns how many. */
    prune(seq: number): number {
      checkInt(seq, 'seq');
      let pruned = 0;
      w.write(() => {
        pruned = pruneSegmentsBefore(segments, heads, writer, seq, layout);
      });
      return pruned;
    },
  };
}

export function snapshotsSection(doc: Y.Doc, w: Writer, kept = SNAPSHOTS_KEPT) {
  const snapshots = doc.getMap<unknown>(TERMINAL.snapshots);
  const list = (): ScreenSnapshot[] =>
    Array.from(snapshots.values())
      .map(parseSnapshot)
      .filter((s): s is ScreenSnapshot => s !== undefined)
      .sort((a, b) => a.coversSeq - b.coversSeq);
  return {
    /** Stores a snapshot and forgets all but the newest `kept`. */
    put(input: { coversSeq: number; bytes: Uint8Array; by: DeviceId }): void {
      const coversSeq = checkInt(input.coversSeq, 'coversSeq');
      if (!(input.bytes instanceof Uint8Array) || input.bytes.length === 0) badInput('a snapshot is non-empty bytes');
      const record = { coversSeq, bytes: input.bytes, at: w.now(), by: input.by };
      w.write(() => {
        snapshots.set(pad(coversSeq), record);
        const keys = Array.from(snapshots.keys()).sort();
        for (const key of keys.slice(0, Math.max(0, keys.length - kept))) snapshots.delete(key);
      });
    },
    latest(): ScreenSnapshot | undefined {
      return list().at(-1);
    },
    /** Kept snapshots, oldest first. */
    list,
  };
}
