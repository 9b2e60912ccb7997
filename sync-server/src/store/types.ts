/**
 * The relay's storage contract. The relay keeps, per document, an append-only
 * log of opaque envelopes numbered by a server sequence (1, 2, 3, ...), the
 * latest snapshot, and the capability public keys that gate access; per
 * workspace, the admin keys and revoked devices, and content-addressed blobs
 * (attachments, backups); and one-time blobs. Nothing
 * here is ever decrypted. Every implementation runs the acceptance suite in
 * acceptance.ts.
 */
import type { DeviceId, DocId, WorkspaceId } from '@tendril/crdt-schema/ids';
import type { BlobKind } from '@tendril/crdt-schema/wire';
import type { RetiredCaps } from './retired-caps.ts';

export type { RetiredCaps } from './retired-caps.ts';

/** A workspace as the relay knows it: who may sign revocations. */
export interface WorkspaceRecord {
  readonly workspace: WorkspaceId;
  /** Ed25519 public keys (32 bytes each) of the admin devices. */
  readonly admins: readonly Uint8Array[];
  readonly createdAt: number;
}

/** A document's registration: its workspace and capability public keys. */
export interface DocRecord {
  readonly doc: DocId;
  readonly workspace: WorkspaceId;
  /** Ed25519 public key whose signature grants append and snapshot rights. */
  readonly writeKey: Uint8Array;
  /** Ed25519 public key whose signature grants read rights. */
  readonly readKey: Uint8Array;
}

/** A registration plus where its log stands. */
export interface DocState extends DocRecord {
  /** Highest seq ever assigned (0 = empty). Never decreases, even after pruning. */
  readonly head: number;
  /** Seq the latest snapshot covers (0 = none). */
  readonly snapshotSeq: number;
  /** Keys replaced by setCaps, newest first, with the devices that may still read with them. */
  readonly retired: readonly RetiredCaps[];
}

/** New capability keys, and who may keep reading with the ones they replace. */
export interface CapsChange {
  readonly writeKey: Uint8Array;
  readonly readKey: Uint8Array;
  /** Device public keys that may still subscribe for reading with the replaced keys. */
  readonly readers: readonly Uint8Array[];
}

/** What the relay can see of one envelope: the plaintext header's author and counter. */
export interface AppendInput {
  /** The author's Ed25519 public key (32 bytes). */
  readonly author: Uint8Array;
  /** The author's per-document counter. */
  readonly counter: number;
  readonly envelope: Uint8Array;
}

/**
 * How an append ended. `appended`: stored at a new seq. `duplicate`: the same
 * (author, counter) with the same bytes is in the log at `seq`. `conflict`:
 * the log holds other bytes under that (author, counter) at `seq`, so this
 * envelope was NOT stored (two writers used one counter). `covered`: that
 * entry was pruned under a snapshot; `seq` is the snapshot's seq.
 */
export interface AppendResult {
  readonly seq: number;
  readonly status: 'appended' | 'duplicate' | 'conflict' | 'covered';
}

export interface StoredEntry {
  readonly seq: number;
  readonly author: Uint8Array;
  readonly counter: number;
  readonly envelope: Uint8Array;
}

export interface SnapshotRecord {
  /** Every entry up to and including this seq is covered. */
  readonly seq: number;
  readonly envelope: Uint8Array;
}

/** `beyond-head`: seq > head. `not-newer`: seq <= the current snapshot's (or < 1). */
export type SnapshotPutResult =
  | { readonly ok: true }
  | { readonly ok: false; readonly reason: 'unknown-doc' | 'beyond-head' | 'not-newer' };

/**
 * What the relay knows of one stored (content-addressed) blob of a workspace: never what it holds.
 */
export interface StoredBlobInfo {
  /** SHA-256 of the bytes, 64 lowercase hex digits (the relay checked it on upload). */
  readonly id: string;
  readonly kind: BlobKind;
  readonly size: number;
  /** Relay time (ms) when it was stored. */
  readonly storedAt: number;
  /** The Ed25519 key (32 bytes) of the device that stored it: it may delete it, besides admins. */
  readonly owner: Uint8Array;
}

/** What one workspace stores: registered documents, stored bytes (entries, snapshots, blobs of both sorts), one-time blobs. */
export interface WorkspaceUsage {
  readonly docs: number;
  readonly bytes: number;
  readonly blobs: number;
}

export interface StoreStats {
  readonly workspaces: number;
  readonly docs: number;
  readonly entries: number;
  readonly blobs: number;
}

/**
 * Relay storage. All methods are async so an implementation may batch or go
 * over the network. A resolved write is durable (for persistent stores).
 * Appends to one document are assigned seqs in call order.
 */
export interface RelayStore {
  /** Creates the workspace, or returns the existing record unchanged (first registration wins). */
  createWorkspace(workspace: WorkspaceId, admins: readonly Uint8Array[], createdAt: number): Promise<WorkspaceRecord>;
  getWorkspace(workspace: WorkspaceId): Promise<WorkspaceRecord | undefined>;
  /** Adds an admin key to an existing workspace; idempotent. False when the workspace is unknown. */
  addAdmin(workspace: WorkspaceId, key: Uint8Array): Promise<boolean>;
  /** Records a revocation; idempotent. */
  revokeDevice(workspace: WorkspaceId, device: DeviceId, at: number): Promise<void>;
  isRevoked(workspace: WorkspaceId, device: DeviceId): Promise<boolean>;
  /**
   * Records a device key (32 bytes) as a member of the workspace; idempotent. With `invite` (an
   * invite id) at most one device per invite: another device gets 'invite-used' and is not enrolled.
   */
  enrolDevice(workspace: WorkspaceId, deviceKey: Uint8Array, invite?: string): Promise<'enrolled' | 'invite-used'>;
  /** Whether enrolDevice recorded the key (admins are members by the workspace record, not here). */
  isMember(workspace: WorkspaceId, deviceKey: Uint8Array): Promise<boolean>;
  /** The workspaces enrolDevice recorded the key in (the Locate lookup), in no particular order. */
  workspacesOfMember(deviceKey: Uint8Array): Promise<WorkspaceId[]>;

  /** Registers the document, or returns the existing state unchanged (first registration wins). */
  createDoc(record: DocRecord): Promise<DocState>;
  getDoc(doc: DocId): Promise<DocState | undefined>;
  /**
   * Replaces the capability keys; the replaced pair joins `retired` (readable by `change.readers`
   * only). False when the document is unknown.
   */
  setCaps(doc: DocId, change: CapsChange): Promise<boolean>;

  /**
   * Appends one envelope at head + 1, unless its (author, counter) was seen:
   * then it resolves with the original seq (or the covering snapshot's seq when
   * the entry was pruned). Rejects with TendrilError E_UNKNOWN_DOC for an
   * unregistered document and E_STORE_FAILED when the commit fails.
   */
  append(doc: DocId, input: AppendInput): Promise<AppendResult>;
  /**
   * Up to `limit` entries with seq > `afterSeq`, in seq order. With `maxBytes`,
   * the page also ends with the first entry whose envelope brings the page's
   * envelope bytes to `maxBytes` or more (so it always holds at least one
   * entry when there is one, and at most `maxBytes` plus one envelope).
   */
  readSince(doc: DocId, afterSeq: number, limit: number, maxBytes?: number): Promise<StoredEntry[]>;
  /** Highest seq assigned (0 for an empty or unknown document). */
  head(doc: DocId): Promise<number>;

  getSnapshot(doc: DocId): Promise<SnapshotRecord | undefined>;
  /** Stores a snapshot covering 1..seq if 1 <= seq <= head and seq > the current snapshot's seq. */
  putSnapshot(doc: DocId, seq: number, envelope: Uint8Array): Promise<SnapshotPutResult>;
  /**
   * Deletes entries with seq <= min(throughSeq, snapshot seq): never an entry no
   * snapshot covers. Remembers per author the highest counter pruned, for
   * {@link append}'s `covered` answer. Resolves with the number deleted.
   */
  prune(doc: DocId, throughSeq: number): Promise<number>;

  /** Stores (or replaces) a blob until `expiresAt` (ms). */
  putBlob(key: string, data: Uint8Array, expiresAt: number): Promise<void>;
  /** Returns and deletes the blob; undefined when absent or expired at `now`. */
  takeBlob(key: string, now: number): Promise<Uint8Array | undefined>;
  /** Deletes blobs expired at `now`; resolves with how many. */
  expireBlobs(now: number): Promise<number>;

  /**
   * Stores a content-addressed blob of `workspace` under `info.id` (the caller checked the hash), or
   * leaves the one stored under that id unchanged ('exists': first upload wins, its owner and time).
   */
  putStoredBlob(workspace: WorkspaceId, info: StoredBlobInfo, data: Uint8Array): Promise<'stored' | 'exists'>;
  getStoredBlobInfo(workspace: WorkspaceId, id: string): Promise<StoredBlobInfo | undefined>;
  /** Up to `length` bytes of the blob from `offset` (empty past its end); undefined when there is no such blob. */
  readStoredBlob(workspace: WorkspaceId, id: string, offset: number, length: number): Promise<Uint8Array | undefined>;
  /** Whether each id is stored in `workspace`, in the order asked. */
  hasStoredBlobs(workspace: WorkspaceId, ids: readonly string[]): Promise<boolean[]>;
  /** Up to `limit` blobs of `kind`, ids ascending, each greater than `after` ('' = from the start). */
  listStoredBlobs(workspace: WorkspaceId, kind: BlobKind, after: string, limit: number): Promise<StoredBlobInfo[]>;
  /** Deletes the blob; false when there was none. */
  deleteStoredBlob(workspace: WorkspaceId, id: string): Promise<boolean>;

  stats(): Promise<StoreStats>;
  /**
   * Proves the store can still read and write (SQLite: a read and a write
   * that is rolled back). Rejects with E_STORE_FAILED and the cause when it
   * cannot (read-only or corrupted database, full disk), so health shows it.
   */
  check(): Promise<void>;
  /** How many workspaces are registered (cheaper than stats: checked on every registration). */
  countWorkspaces(): Promise<number>;
  /** Usage of one workspace; blobs count when their key starts with `${workspace}/` (as the relay parks them). */
  workspaceUsage(workspace: WorkspaceId): Promise<WorkspaceUsage>;
  /** Finishes pending writes, then releases resources. Further calls reject. */
  close(): Promise<void>;
}
