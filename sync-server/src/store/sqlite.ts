/**
 * The durable RelayStore on SQLite (better-sqlite3, WAL, synchronous=FULL).
 * Appends go through a group commit: all appends that arrive in one event-loop
 * turn share one transaction and one fsync, and their promises resolve after
 * it. Other operations are single statements or small transactions.
 */
import Database from 'better-sqlite3';
import type { DocId, WorkspaceId } from '@tendril/crdt-schema/ids';
import { TendrilError } from '@tendril/crdt-schema/errors';
import type { BlobKind } from '@tendril/crdt-schema/wire';
import type { AppendInput, AppendResult, DocState, RelayStore, SnapshotPutResult, StoredBlobInfo, StoredEntry, WorkspaceRecord } from './types.ts';
import type { DocRow, StoredBlobRow } from './sqlite-statements.ts';
import { prepareDatabase } from './sqlite-schema.ts';
import { decodeRetired, encodeRetired, retire } from './retired-caps.ts';
import { prepareStatements } from './sqlite-statements.ts';
import { createGroupCommit } from './group-commit.ts';
import { bytesEqual, packKeys, toBytes, unpackKeys } from './bytes.ts';

/** Ed25519 public key length: admin keys are packed at this stride. */
const KEY_BYTES = 32;

export interface SqliteStoreOptions {
  /** Database file; created with its schema when missing. */
  path: string;
  /** Extra time to gather appends into one commit; 0 (default) = the same event-loop turn. */
  groupCommitWindowMs?: number;
  /** Most appends per transaction. Default 1000. */
  maxBatch?: number;
  /** Called with the open database once its schema is ready: a seam for tests that break the real connection (e.g. `PRAGMA query_only`). */
  onOpen?: (db: Database.Database) => void;
}

interface AppendJob {
  doc: DocId;
  input: AppendInput;
}

const docState = (row: DocRow): DocState => ({
  doc: row.id as DocId,
  workspace: row.workspace as DocState['workspace'],
  writeKey: toBytes(row.write_key),
  readKey: toBytes(row.read_key),
  head: row.head,
  snapshotSeq: row.snapshot_seq,
  retired: decodeRetired(row.retired === null ? null : toBytes(row.retired)),
});

const storedBlobInfo = (row: StoredBlobRow): StoredBlobInfo => ({
  id: row.id,
  kind: row.kind as BlobKind,
  size: row.size,
  storedAt: row.stored_at,
  owner: toBytes(row.owner),
});

export function openSqliteStore(opts: SqliteStoreOptions): RelayStore {
  const db = new Database(opts.path);
  prepareDatabase(db);
  const s = prepareStatements(db);
  opts.onOpen?.(db);
  let closed = false;

  const run = <T>(fn: () => T): Promise<T> => {
    try {
      if (closed) throw new TendrilError('E_STORE_FAILED', 'the store is closed');
      return Promise.resolve(fn());
    } catch (err) {
      return Promise.reject(err instanceof TendrilError ? err : new TendrilError('E_STORE_FAILED', 'store operation failed', { cause: err }));
    }
  };

  function appendOne({ doc, input }: AppendJob): AppendResult | Error {
    const row = s.getDoc.get(doc);
    if (!row) return new TendrilError('E_UNKNOWN_DOC', `no document ${doc}`);
    const dup = s.findEntry.get(doc, input.author, input.counter);
    if (dup) return { seq: dup.seq, status: bytesEqual(dup.envelope, input.envelope) ? 'duplicate' : 'conflict' };
    if (row.snapshot_seq > 0) {
      const covered = s.coveredCounter.get(doc, input.author);
      if (covered && input.counter <= covered.covered) return { seq: row.snapshot_seq, status: 'covered' };
    }
    const seq = row.head + 1;
    s.insertEntry.run(doc, seq, input.author, input.counter, input.envelope);
    s.setHead.run(seq, doc);
    return { seq, status: 'appended' };
  }

  const appends = createGroupCommit<AppendJob, AppendResult>({
    commit: db.transaction((items: readonly AppendJob[]) => items.map(appendOne)),
    windowMs: opts.groupCommitWindowMs,
    maxBatch: opts.maxBatch,
  });

  const putSnapshotTx = db.transaction((doc: DocId, seq: number, envelope: Uint8Array): SnapshotPutResult => {
    const row = s.getDoc.get(doc);
    if (!row) return { ok: false, reason: 'unknown-doc' };
    if (seq > row.head) return { ok: false, reason: 'beyond-head' };
    if (seq < 1 || seq <= row.snapshot_seq) return { ok: false, reason: 'not-newer' };
    s.setSnapshot.run(seq, envelope, doc);
    return { ok: true };
  });

  const pruneTx = db.transaction((doc: DocId, throughSeq: number): number => {
    const row = s.getDoc.get(doc);
    if (!row || row.snapshot_seq === 0) return 0;
    const through = Math.min(throughSeq, row.snapshot_seq);
    s.rememberCovered.run(doc, through);
    return s.deleteThrough.run(doc, through).changes;
  });

  return {
    createWorkspace: (workspace, admins, createdAt) =>
      run((): WorkspaceRecord => {
        s.insertWorkspace.run(workspace, packKeys(admins), createdAt);
        const row = s.getWorkspace.get(workspace)!;
        return { workspace, admins: unpackKeys(row.admins, KEY_BYTES), createdAt: row.created_at };
      }),
    getWorkspace: (workspace) =>
      run(() => {
        const row = s.getWorkspace.get(workspace);
        return row ? { workspace, admins: unpackKeys(row.admins, KEY_BYTES), createdAt: row.created_at } : undefined;
      }),
    addAdmin: (workspace, key) =>
      run(() => {
        const row = s.getWorkspace.get(workspace);
        if (!row) return false;
        const admins = unpackKeys(row.admins, KEY_BYTES);
        if (!admins.some((a) => bytesEqual(a, key))) s.setAdmins.run(packKeys([...admins, key]), workspace);
        return true;
      }),
    revokeDevice: (workspace, device, at) => run(() => void s.revoke.run(workspace, device, at)),
    isRevoked: (workspace, device) => run(() => s.isRevoked.get(workspace, device) !== undefined),
    enrolDevice: (workspace, deviceKey, invite) =>
      run(() =>
        db.transaction((): 'enrolled' | 'invite-used' => {
          if (invite !== undefined) {
            s.useInvite.run(workspace, invite, deviceKey);
            const used = s.inviteUse.get(workspace, invite);
            if (used && !bytesEqual(toBytes(used.device), deviceKey)) return 'invite-used';
          }
          s.enrol.run(workspace, deviceKey);
          return 'enrolled';
        })(),
      ),
    isMember: (workspace, deviceKey) => run(() => s.isMember.get(workspace, deviceKey) !== undefined),
    workspacesOfMember: (deviceKey) => run(() => s.workspacesOf.all(deviceKey).map((r) => r.workspace as WorkspaceId)),

    createDoc: (r) =>
      run(() => {
        s.insertDoc.run(r.doc, r.workspace, r.writeKey, r.readKey);
        return docState(s.getDoc.get(r.doc)!);
      }),
    getDoc: (doc) =>
      run(() => {
        const row = s.getDoc.get(doc);
        return row ? docState(row) : undefined;
      }),
    setCaps: (doc, change) =>
      run(() =>
        db.transaction(() => {
          const row = s.getDoc.get(doc);
          if (!row) return false;
          const retired = retire(docState(row).retired, { writeKey: toBytes(row.write_key), readKey: toBytes(row.read_key), readers: change.readers });
          return s.setCaps.run(change.writeKey, change.readKey, encodeRetired(retired), doc).changes > 0;
        })(),
      ),

    append: (doc, input) =>
      closed ? Promise.reject(new TendrilError('E_STORE_FAILED', 'the store is closed')) : appends.submit({
            doc,
            // Copied: the commit runs later, and the caller may reuse its buffers meanwhile.
            input: { author: input.author.slice(), counter: input.counter, envelope: input.envelope.slice() },
          }),
    readSince: (doc, afterSeq, limit, maxBytes = Infinity) =>
      run(() => {
        const page: StoredEntry[] = [];
        let bytes = 0;
        for (const r of s.readSince.iterate(doc, afterSeq, Math.max(0, limit))) {
          page.push({ seq: r.seq, author: toBytes(r.author), counter: r.counter, envelope: toBytes(r.envelope) });
          bytes += r.envelope.length;
          if (bytes >= maxBytes) break;
        }
        return page;
      }),
    head: (doc) => run(() => s.getDoc.get(doc)?.head ?? 0),

    getSnapshot: (doc) =>
      run(() => {
        const row = s.getSnapshot.get(doc);
        return row ? { seq: row.snapshot_seq, envelope: toBytes(row.snapshot) } : undefined;
      }),
    putSnapshot: (doc, seq, envelope) => run(() => putSnapshotTx(doc, seq, envelope)),
    prune: (doc, throughSeq) => run(() => pruneTx(doc, throughSeq)),

    putBlob: (key, data, expiresAt) => run(() => void s.putBlob.run(key, data, expiresAt)),
    takeBlob: (key, now) =>
      run(() => {
        const row = s.takeBlob.get(key);
        return row && row.expires_at > now ? toBytes(row.data) : undefined;
      }),
    expireBlobs: (now) => run(() => s.expireBlobs.run(now).changes),

    putStoredBlob: (workspace, info, data) =>
      run(() => (s.putStoredBlob.run(workspace, info.id, info.kind, info.size, info.storedAt, info.owner, data).changes > 0 ? 'stored' : 'exists')),
    getStoredBlobInfo: (workspace, id) =>
      run(() => {
        const row = s.storedBlobInfo.get(workspace, id);
        return row ? storedBlobInfo(row) : undefined;
      }),
    readStoredBlob: (workspace, id, offset, length) =>
      run(() => {
        const row = s.readStoredBlob.get(offset, length, workspace, id);
        return row ? toBytes(row.part ?? Buffer.alloc(0)) : undefined;
      }),
    hasStoredBlobs: (workspace, ids) => run(() => ids.map((id) => s.storedBlobInfo.get(workspace, id) !== undefined)),
    listStoredBlobs: (workspace, kind, after, limit) =>
      run(() => s.listStoredBlobs.all(workspace, kind, after, Math.max(0, limit)).map(storedBlobInfo)),
    deleteStoredBlob: (workspace, id) => run(() => s.deleteStoredBlob.run(workspace, id).changes > 0),

    stats: () => run(() => ({ ...s.stats.get()! })),
    check: () =>
      run(() => {
        // A real read and a real write, undone: SQLite refuses the write on a read-only or broken database.
        db.exec('SAVEPOINT health_check');
        try {
          s.stats.get();
          s.healthWrite.run();
        } finally {
          db.exec('ROLLBACK TO health_check');
          db.exec('RELEASE health_check');
        }
      }),
    countWorkspaces: () => run(() => s.countWorkspaces.get()!.n),
    workspaceUsage: (workspace) =>
      run(() => {
        const d = s.docUsage.get(workspace)!;
        // Keys `${workspace}/...`: '0' is the character after '/'.
        const b = s.blobUsage.get(`${workspace}/`, `${workspace}0`)!;
        const stored = s.storedBlobUsage.get(workspace)!;
        return { docs: d.docs, bytes: d.bytes + b.bytes + stored.bytes, blobs: b.blobs };
      }),
    close: async () => {
      if (closed) return;
      appends.flush();
      closed = true;
      db.close();
    },
  };
}
