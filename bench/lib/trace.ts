/**
 * The automerge-paper editing trace (shared/data/automerge-paper.json.gz):
 * 259,778 single-character edits, one patch per transaction. Looked up
 * beside the repository (../shared/data) or at TENDRIL_BENCH_TRACE.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';

/** [position, characters deleted, text inserted] */
export type Patch = readonly [number, number, string];

export interface Trace {
  readonly startContent: string;
  readonly endContent: string;
  /** Every patch in order (each transaction of the trace holds exactly one). */
  readonly patches: readonly Patch[];
}

const CANDIDATES = [process.env.TENDRIL_BENCH_TRACE, '../../../shared/data/automerge-paper.json.gz', '/work/shared/data/automerge-paper.json.gz'];

export function tracePath(): string {
  for (const c of CANDIDATES) {
    if (!c) continue;
    const path = c.startsWith('.') ? fileURLToPath(new URL(c, import.meta.url)) : c;
    if (existsSync(path)) return path;
  }
  throw new Error('automerge-paper.json.gz not found: set TENDRIL_BENCH_TRACE to its path');
}

export function loadTrace(): Trace {
  const json = JSON.parse(gunzipSync(readFileSync(tracePath())).toString('utf8')) as {
    startContent: string;
    endContent: string;
    txns: { patches: Patch[] }[];
  };
  return { startContent: json.startContent, endContent: json.endContent, patches: json.txns.flatMap((t) => t.patches) };
}
