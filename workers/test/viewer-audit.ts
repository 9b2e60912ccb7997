/**
 * Proof that a terminal viewer lost and doubled nothing: a Screen that
 * records, between two resets, the snapshot it was restored from and every
 * byte written after it, and an audit that lays each such segment over the
 * gateway's own output stream. A segment must start where its snapshot's
 * coverage ends (offset 0 without one) and match the stream byte for byte;
 * the last one must end where the stream ends.
 */
import { createHash } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { concatBytes } from '@tendril/crdt-schema/crypto';
import { HeadlessScreen, type Screen, type SnapshotGunzip } from '@tendril/gateway';

/** What a viewer drew since a reset: the snapshot (by key) it started from, if any, and the bytes after it. */
export interface Segment {
  readonly snapshot: string | null;
  readonly writes: Uint8Array[];
}

/** Identifies a snapshot by its gzip payload, the one thing both ends see. */
export const snapshotKey = (gzip: Uint8Array): string => createHash('sha256').update(gzip).digest('hex');

/** A Screen over a headless xterm that also keeps its segments; pass `gunzip` to the viewer with it. */
export class RecordingScreen implements Screen {
  screen = new HeadlessScreen({ cols: 80, rows: 24 });
  readonly segments: Segment[] = [{ snapshot: null, writes: [] }];
  private readonly unpacked = new WeakMap<Uint8Array, string>();

  readonly gunzip: SnapshotGunzip = async (gzip) => {
    const bytes = new Uint8Array(gunzipSync(gzip));
    this.unpacked.set(bytes, snapshotKey(gzip));
    return bytes;
  };

  write(bytes: Uint8Array): Promise<void> {
    const key = this.unpacked.get(bytes);
    const current = this.segments.at(-1)!;
    if (key !== undefined && current.snapshot === null && current.writes.length === 0) this.segments[this.segments.length - 1] = { snapshot: key, writes: [] };
    // A snapshot drawn over an unreset screen is a bug the audit must see: it names no snapshot the gateway sent.
    else if (key !== undefined) this.segments.push({ snapshot: `${key} without a reset`, writes: [] });
    else current.writes.push(bytes);
    return this.screen.write(bytes);
  }
  reset(cols: number, rows: number): void {
    this.screen.dispose();
    this.screen = new HeadlessScreen({ cols, rows });
    this.segments.push({ snapshot: null, writes: [] });
  }
  resize(cols: number, rows: number): void {
    this.screen.resize({ cols, rows });
  }
  async text(): Promise<string> {
    await this.screen.write('');
    return this.screen.screenText();
  }
}

/** All parts in one array (the core's concatBytes, over a list). */
export const concat = (parts: readonly Uint8Array[]): Uint8Array => concatBytes(...parts);

/**
 * Every way the viewer's segments depart from `stream` (the gateway's output
 * from offset 0), as readable lines; empty when none. `covers` maps a
 * snapshot key to the stream offset its coverage ends at.
 */
export function auditSegments(stream: Uint8Array, segments: readonly Segment[], covers: ReadonlyMap<string, number>): string[] {
  const problems: string[] = [];
  for (const [i, seg] of segments.entries()) {
    const start = seg.snapshot === null ? 0 : covers.get(seg.snapshot);
    if (start === undefined) {
      problems.push(`segment ${i}: restored from a snapshot the gateway never sent`);
      continue;
    }
    const bytes = concat(seg.writes);
    const want = stream.subarray(start, start + bytes.length);
    let at = 0;
    while (at < want.length && want[at] === bytes[at]) at++;
    if (at < bytes.length) problems.push(`segment ${i}: differs from the gateway's output at offset ${start + at} (a byte lost or doubled)`);
    else if (i === segments.length - 1 && start + bytes.length !== stream.length) {
      problems.push(`segment ${i}: ends at offset ${start + bytes.length}, the gateway's output at ${stream.length}`);
    }
  }
  return problems;
}

