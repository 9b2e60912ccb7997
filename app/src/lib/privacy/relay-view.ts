/**
 * "What the relay can see": the metadata the relay holds or observes about
 * this workspace, shaped for display from this device's own records (the
 * relay ledger of each open document, its sync cursor, the blob notes) and
 * the relay's own answers (the address in its Welcome). Nothing here is
 * decrypted content: only ids, counts, sizes, times and addresses, which is
 * all the relay has (docs/THREAT_MODEL.md). Plain data in, plain data out.
 */
import type { BlobNote, LedgerEntry, RelayObserved } from '@tendril/crdt-schema/sync';

/** One open document as this device knows its relay side. */
export interface DocFacts {
  readonly id: string;
  /** Highest relay sequence number this device holds: the entries in the relay's log for it. */
  readonly cursor: number;
  readonly entries: readonly LedgerEntry[];
  readonly snapshots: readonly LedgerEntry[];
}

export interface RelayViewInput {
  readonly relay: string;
  readonly workspace: string;
  readonly self: string;
  readonly observed: RelayObserved | null;
  readonly docs: readonly DocFacts[];
  /** Device ids of the workspace's members (the relay learns each from its hello and its envelopes). */
  readonly devices: readonly string[];
  readonly blobs: readonly BlobNote[];
}

export interface AuthorRow {
  readonly device: string;
  readonly entries: number;
  readonly bytes: number;
}

export interface DocRow {
  readonly id: string;
  /** Entries in the relay's log (the sync cursor). */
  readonly entries: number;
  /** Of those, the ones this device exchanged with the relay while it had the document open. */
  readonly seen: number;
  /** Total sealed bytes of the seen entries, exactly as the relay stores them. */
  readonly bytes: number;
  readonly sizes: { readonly min: number; readonly max: number } | null;
  readonly first: number | null;
  readonly last: number | null;
  readonly authors: readonly AuthorRow[];
  readonly snapshots: number;
  readonly snapshotBytes: number;
}

export interface RelayView {
  readonly relay: string;
  readonly workspace: string;
  readonly address: string | null;
  readonly docs: readonly DocRow[];
  readonly totals: { readonly docs: number; readonly entries: number; readonly seen: number; readonly bytes: number };
  readonly devices: readonly { readonly id: string; readonly self: boolean; readonly entries: number }[];
  readonly blobs: { readonly count: number; readonly bytes: number };
}

function docRow(d: DocFacts): DocRow {
  const byAuthor = new Map<string, { entries: number; bytes: number }>();
  let bytes = 0;
  for (const e of d.entries) {
    bytes += e.bytes;
    if (e.author === null) continue;
    const a = byAuthor.get(e.author) ?? { entries: 0, bytes: 0 };
    byAuthor.set(e.author, { entries: a.entries + 1, bytes: a.bytes + e.bytes });
  }
  const sizes = d.entries.map((e) => e.bytes);
  const times = d.entries.map((e) => e.at);
  return {
    id: d.id,
    entries: Math.max(d.cursor, d.entries.at(-1)?.seq ?? 0),
    seen: d.entries.length,
    bytes,
    sizes: sizes.length > 0 ? { min: Math.min(...sizes), max: Math.max(...sizes) } : null,
    first: times.length > 0 ? Math.min(...times) : null,
    last: times.length > 0 ? Math.max(...times) : null,
    authors: [...byAuthor].map(([device, a]) => ({ device, ...a })).sort((x, y) => y.entries - x.entries || x.device.localeCompare(y.device)),
    snapshots: d.snapshots.length,
    snapshotBytes: d.snapshots.reduce((n, s) => n + s.bytes, 0),
  };
}

/** Shapes the facts for display: documents by id, devices with this one first, totals. */
export function relayView(input: RelayViewInput): RelayView {
  const docs = input.docs.map(docRow).sort((a, b) => a.id.localeCompare(b.id));
  const authored = new Map<string, number>();
  for (const d of docs) for (const a of d.authors) authored.set(a.device, (authored.get(a.device) ?? 0) + a.entries);
  const ids = new Set([input.self, ...input.devices, ...authored.keys()]);
  const devices = [...ids]
    .map((id) => ({ id, self: id === input.self, entries: authored.get(id) ?? 0 }))
    .sort((a, b) => Number(b.self) - Number(a.self) || a.id.localeCompare(b.id));
  return {
    relay: input.relay,
    workspace: input.workspace,
    address: input.observed?.address ?? null,
    docs,
    totals: {
      docs: docs.length,
      entries: docs.reduce((n, d) => n + d.entries, 0),
      seen: docs.reduce((n, d) => n + d.seen, 0),
      bytes: docs.reduce((n, d) => n + d.bytes, 0),
    },
    devices,
    blobs: { count: input.blobs.length, bytes: input.blobs.reduce((n, b) => n + b.bytes, 0) },
  };
}

/** A byte count for people: 412 B, 3.2 KB, 1.4 MB. */
export function formatBytes(n: number): string {
  if (n < 1000) return `${n} B`;
  if (n < 1_000_000) return `${(n / 1000).toFixed(1)} KB`;
  return `${(n / 1_000_000).toFixed(1)} MB`;
}
