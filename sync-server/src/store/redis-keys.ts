/**
 * Key names of the Redis relay store. Every key of one document carries the
 * hash tag `{doc:<id>}` and every key of one workspace `{ws:<id>}`, so a
 * document's (or a workspace's) keys live in one Redis Cluster slot and one
 * Lua script may touch them together. Counters that span the whole relay
 * (`{global}`) and the one-time blobs (`{blobs}`) have a slot each.
 * Ids reach here already parsed (base64url); the prefix separates relays
 * that share one Redis.
 */
import type { DocId, WorkspaceId } from '@tendril/crdt-schema/ids';

export interface DocKeys {
  /** Hash: ws, w (write key), r (read key), head, snap (snapshot seq), ret (retired caps), bytes. */
  readonly meta: string;
  /** Stream: one entry per seq, id `<seq>-0`, fields a (author), c (counter), e (envelope). */
  readonly log: string;
  /** Hash: `<author bytes>:<counter>` -> seq, for entries still in the log. */
  readonly seen: string;
  /** Hash: author bytes -> highest counter pruned under a snapshot. */
  readonly covered: string;
  /** String: the latest snapshot's envelope. */
  readonly snapshot: string;
}

export interface WorkspaceKeys {
  /** Hash: admins (packed 32-byte keys), at (createdAt). */
  readonly record: string;
  /** Hash: device id -> revocation time. */
  readonly revoked: string;
  /** Set: enrolled device keys. */
  readonly members: string;
  /** Hash: invite id -> the device key it enrolled. */
  readonly invites: string;
  /** Set: ids of the workspace's documents. */
  readonly docs: string;
  /** Hash: stored blob id (hex) -> `kind:size:storedAt:ownerHex`. */
  readonly blobMeta: string;
  /** String: the bytes of all stored blobs, summed (for the quota). */
  readonly blobBytes: string;
  /** Sorted set, all scores 0: ids of stored blobs of one kind, in lexical order (for listing). */
  blobKind(kind: number): string;
  /** String: one stored blob's bytes. */
  blob(id: string): string;
}

export interface GlobalKeys {
  /** Set: every workspace id. */
  readonly workspaces: string;
  /** Set: every document id. */
  readonly docs: string;
  /** Hash: entries (entries held in all logs). */
  readonly counters: string;
  /** Key written and deleted by the health check. */
  readonly probe: string;
  /** Set, in the key's own slot `{member:<hex>}`: the workspaces a device key is enrolled in (Locate). */
  memberOf(deviceKeyHex: string): string;
}

export interface BlobKeys {
  /** Hash: blob key -> bytes. */
  readonly data: string;
  /** Sorted set: blob key scored by its expiry (ms). */
  readonly expiry: string;
  /** Sorted set, all scores 0: blob keys in lexical order, for a workspace's `<ws>/` range. */
  readonly names: string;
}

export interface RedisKeys {
  doc(doc: DocId): DocKeys;
  workspace(workspace: WorkspaceId): WorkspaceKeys;
  readonly global: GlobalKeys;
  readonly blobs: BlobKeys;
}

/** Key names under `prefix` (no braces: they would change the hash tag). */
export function redisKeys(prefix: string): RedisKeys {
  if (!/^[A-Za-z0-9_.:-]+$/.test(prefix)) throw new Error(`Redis key prefix ${JSON.stringify(prefix)}: use letters, digits, _ . : -`);
  return {
    doc(doc) {
      const base = `${prefix}:{doc:${doc}}`;
      return { meta: `${base}:meta`, log: `${base}:log`, seen: `${base}:seen`, covered: `${base}:covered`, snapshot: `${base}:snapshot` };
    },
    workspace(workspace) {
      const base = `${prefix}:{ws:${workspace}}`;
      return {
        record: `${base}:record`,
        revoked: `${base}:revoked`,
        members: `${base}:members`,
        invites: `${base}:invites`,
        docs: `${base}:docs`,
        blobMeta: `${base}:blob-meta`,
        blobBytes: `${base}:blob-bytes`,
        blobKind: (kind) => `${base}:blob-kind:${kind}`,
        blob: (id) => `${base}:blob:${id}`,
      };
    },
    global: {
      workspaces: `${prefix}:{global}:workspaces`,
      docs: `${prefix}:{global}:docs`,
      counters: `${prefix}:{global}:counters`,
      probe: `${prefix}:{global}:health-probe`,
      memberOf: (deviceKeyHex) => `${prefix}:{member:${deviceKeyHex}}:workspaces`,
    },
    blobs: { data: `${prefix}:{blobs}:data`, expiry: `${prefix}:{blobs}:expiry`, names: `${prefix}:{blobs}:names` },
  };
}
