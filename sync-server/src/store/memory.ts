/**
 * An in-memory RelayStore: for tests and for a throwaway relay. Everything is
 * lost when the process ends. Inputs are copied, so callers may reuse buffers.
 */
import type { DeviceId, DocId, WorkspaceId } from '@tendril/crdt-schema/ids';
import { TendrilError } from '@tendril/crdt-schema/errors';
import type {
  AppendInput,
  AppendResult,
  DocRecord,
  DocState,
  RelayStore,
  SnapshotPutResult,
  SnapshotRecord,
  StoredEntry,
  StoreStats,
  StoredBlobInfo,
  WorkspaceRecord,
} from './types.ts';
import { bytesEqual, hexOf } from './bytes.ts';
import { retire, type RetiredCaps } from './retired-caps.ts';

interface DocLog {
  record: DocRecord;
  retired: RetiredCaps[];
  head: number;
  snapshot: SnapshotRecord | undefined;
  /** Unpruned entries in seq order. */
  entries: StoredEntry[];
  /** `${authorHex}:${counter}` -> seq, for entries still in `entries`. */
  seen: Map<string, number>;
  /** authorHex -> highest counter pruned under a snapshot. */
  covered: Map<string, number>;
}

/** Index of the first entry with seq > afterSeq. */
function firstAfter(entries: readonly StoredEntry[], afterSeq: number): number {
  let lo = 0;
  let hi = entries.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (entries[mid]!.seq <= afterSeq) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export function createMemoryStore(): RelayStore {
  const workspaces = new Map<string, WorkspaceRecord>();
  const revoked = new Set<string>();
  const members = new Set<string>();
  /** Device key (hex) to the workspaces it was enrolled in: the Locate lookup. */
  const memberOf = new Map<string, Set<WorkspaceId>>();
  /** `${workspace}/${invite}` -> the device key (hex) it enrolled. */
  const inviteUses = new Map<string, string>();
  const docs = new Map<string, DocLog>();
  const blobs = new Map<string, { data: Uint8Array; expiresAt: number }>();
  /** Per workspace: id -> the stored blob. */
  const stored = new Map<string, Map<string, { info: StoredBlobInfo; data: Uint8Array }>>();
  const storedOf = (workspace: string): Map<string, { info: StoredBlobInfo; data: Uint8Array }> => {
    let m = stored.get(workspace);
    if (!m) stored.set(workspace, (m = new Map()));
    return m;
  };
  let closed = false;

  const open = (): void => {
    if (closed) throw new TendrilError('E_STORE_FAILED', 'the store is closed');
  };
  const stateOf = (log: DocLog): DocState => ({ ...log.record, retired: log.retired, head: log.head, snapshotSeq: log.snapshot?.seq ?? 0 });
  /** Runs `fn` as an async store call: errors become rejections. */
  const run = <T>(fn: () => T): Promise<T> => {
    try {
      open();
      return Promise.resolve(fn());
    } catch (err) {
      return Promise.reject(err);
    }
  };

  return {
    createWorkspace: (workspace, admins, createdAt) =>
      run(() => {
        const existing = workspaces.get(workspace);
        if (existing) return existing;
        const record: WorkspaceRecord = { workspace, admins: admins.map((a) => a.slice()), createdAt };
        workspaces.set(workspace, record);
        return record;
      }),
    getWorkspace: (workspace) => run(() => workspaces.get(workspace)),
    addAdmin: (workspace, key) =>
      run(() => {
        const existing = workspaces.get(workspace);
        if (!existing) return false;
        if (!existing.admins.some((a) => bytesEqual(a, key))) workspaces.set(workspace, { ...existing, admins: [...existing.admins, key.slice()] });
        return true;
      }),
    revokeDevice: (workspace: WorkspaceId, device: DeviceId) => run(() => void revoked.add(`${workspace}/${device}`)),
    isRevoked: (workspace, device) => run(() => revoked.has(`${workspace}/${device}`)),
    enrolDevice: (workspace, deviceKey, invite) =>
      run(() => {
        const device = hexOf(deviceKey);
        if (invite !== undefined) {
          const used = inviteUses.get(`${workspace}/${invite}`);
          if (used !== undefined && used !== device) return 'invite-used' as const;
          inviteUses.set(`${workspace}/${invite}`, device);
        }
        members.add(`${workspace}/${device}`);
        memberOf.set(device, (memberOf.get(device) ?? new Set()).add(workspace));
        return 'enrolled' as const;
      }),
    isMember: (workspace, deviceKey) => run(() => members.has(`${workspace}/${hexOf(deviceKey)}`)),
    workspacesOfMember: (deviceKey) => run(() => [...(memberOf.get(hexOf(deviceKey)) ?? [])]),

    createDoc: (record) =>
      run(() => {
        let log = docs.get(record.doc);
        if (!log) {
          const copy: DocRecord = { ...record, writeKey: record.writeKey.slice(), readKey: record.readKey.slice() };
          log = { record: copy, retired: [], head: 0, snapshot: undefined, entries: [], seen: new Map(), covered: new Map() };
          docs.set(record.doc, log);
        }
        return stateOf(log);
      }),
    getDoc: (doc) => run(() => (docs.has(doc) ? stateOf(docs.get(doc)!) : undefined)),
    setCaps: (doc, change) =>
      run(() => {
        const log = docs.get(doc);
        if (!log) return false;
        log.retired = retire(log.retired, { writeKey: log.record.writeKey, readKey: log.record.readKey, readers: change.readers });
        log.record = { ...log.record, writeKey: change.writeKey.slice(), readKey: change.readKey.slice() };
        return true;
      }),

    append: (doc: DocId, input: AppendInput) =>
      run((): AppendResult => {
        const log = docs.get(doc);
        if (!log) throw new TendrilError('E_UNKNOWN_DOC', `no document ${doc}`);
        const author = hexOf(input.author);
        const key = `${author}:${input.counter}`;
        const seen = log.seen.get(key);
        if (seen !== undefined) {
          const held = log.entries[firstAfter(log.entries, seen - 1)];
          return { seq: seen, status: held?.seq === seen && !bytesEqual(held.envelope, input.envelope) ? 'conflict' : 'duplicate' };
        }
        if (log.snapshot && input.counter <= (log.covered.get(author) ?? -1)) {
          return { seq: log.snapshot.seq, status: 'covered' };
        }
        const seq = ++log.head;
        log.entries.push({ seq, author: input.author.slice(), counter: input.counter, envelope: input.envelope.slice() });
        log.seen.set(key, seq);
        return { seq, status: 'appended' };
      }),
    readSince: (doc, afterSeq, limit, maxBytes = Infinity) =>
      run(() => {
        const entries = docs.get(doc)?.entries ?? [];
        const page: StoredEntry[] = [];
        let bytes = 0;
        for (let i = firstAfter(entries, afterSeq); i < entries.length && page.length < limit && bytes < maxBytes; i++) {
          page.push(entries[i]!);
          bytes += entries[i]!.envelope.length;
        }
        return page;
      }),
    head: (doc) => run(() => docs.get(doc)?.head ?? 0),

    getSnapshot: (doc) => run(() => docs.get(doc)?.snapshot),
    putSnapshot: (doc, seq, envelope) =>
      run((): SnapshotPutResult => {
        const log = docs.get(doc);
        if (!log) return { ok: false, reason: 'unknown-doc' };
        if (seq > log.head) return { ok: false, reason: 'beyond-head' };
        if (seq < 1 || seq <= (log.snapshot?.seq ?? 0)) return { ok: false, reason: 'not-newer' };
        log.snapshot = { seq, envelope: envelope.slice() };
        return { ok: true };
      }),
    prune: (doc, throughSeq) =>
      run(() => {
        const log = docs.get(doc);
        if (!log?.snapshot) return 0;
        const cut = firstAfter(log.entries, Math.min(throughSeq, log.snapshot.seq));
        const gone = log.entries.splice(0, cut);
        for (const e of gone) {
          const author = hexOf(e.author);
          log.seen.delete(`${author}:${e.counter}`);
          log.covered.set(author, Math.max(log.covered.get(author) ?? -1, e.counter));
        }
        return gone.length;
      }),

    putBlob: (key, data, expiresAt) => run(() => void blobs.set(key, { data: data.slice(), expiresAt })),
    takeBlob: (key, now) =>
      run(() => {
        const blob = blobs.get(key);
        blobs.delete(key);
        return blob && blob.expiresAt > now ? blob.data : undefined;
      }),
    expireBlobs: (now) =>
      run(() => {
        let n = 0;
        for (const [key, blob] of blobs) if (blob.expiresAt <= now && blobs.delete(key)) n++;
        return n;
      }),

    putStoredBlob: (workspace, info, data) =>
      run(() => {
        const m = storedOf(workspace);
        if (m.has(info.id)) return 'exists' as const;
        m.set(info.id, { info: { ...info, owner: info.owner.slice() }, data: data.slice() });
        return 'stored' as const;
      }),
    getStoredBlobInfo: (workspace, id) => run(() => stored.get(workspace)?.get(id)?.info),
    readStoredBlob: (workspace, id, offset, length) =>
      run(() => {
        const b = stored.get(workspace)?.get(id);
        return b ? b.data.slice(offset, offset + length) : undefined;
      }),
    hasStoredBlobs: (workspace, ids) => run(() => ids.map((id) => stored.get(workspace)?.has(id) ?? false)),
    listStoredBlobs: (workspace, kind, after, limit) =>
      run(() =>
        [...(stored.get(workspace)?.values() ?? [])]
          .map((b) => b.info)
          .filter((i) => i.kind === kind && i.id > after)
          .sort((a, b) => (a.id < b.id ? -1 : 1))
          .slice(0, Math.max(0, limit)),
      ),
    deleteStoredBlob: (workspace, id) => run(() => stored.get(workspace)?.delete(id) ?? false),

    stats: () =>
      run((): StoreStats => {
        let entries = 0;
        for (const log of docs.values()) entries += log.entries.length;
        return { workspaces: workspaces.size, docs: docs.size, entries, blobs: blobs.size };
      }),
    check: () => run(() => undefined),
    countWorkspaces: () => run(() => workspaces.size),
    workspaceUsage: (workspace) =>
      run(() => {
        let [docCount, bytes, blobCount] = [0, 0, 0];
        for (const log of docs.values()) {
          if (log.record.workspace !== workspace) continue;
          docCount++;
          for (const e of log.entries) bytes += e.envelope.length;
          bytes += log.snapshot?.envelope.length ?? 0;
        }
        for (const [key, blob] of blobs) {
          if (!key.startsWith(`${workspace}/`)) continue;
          blobCount++;
          bytes += blob.data.length;
        }
        for (const b of stored.get(workspace)?.values() ?? []) bytes += b.info.size;
        return { docs: docCount, bytes, blobs: blobCount };
      }),
    close: async () => {
      closed = true;
    },
  };
}
