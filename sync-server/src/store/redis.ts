/**
 * The RelayStore on Redis (ioredis), for relays that share one Redis (or a
 * Redis Cluster: every multi-key step stays inside one hash tag, see
 * redis-keys.ts). Per document: a hash of its registration and head, a stream
 * holding the log (entry id `<seq>-0`), the de-duplication and covered-counter
 * hashes and the snapshot; the append, with its seq and de-duplication, is one
 * Lua script (redis-scripts.ts).
 *
 * Durability: the store refuses to open unless the server fsyncs before it
 * replies or `waitReplicas` > 0 (redis-durability.ts), and with `waitReplicas`
 * every batch of appends is acknowledged only after WAIT reached that many
 * replicas. A lost connection is never hidden: the client neither queues
 * commands while disconnected nor resends unanswered ones, so a call made or
 * pending then rejects with E_STORE_FAILED, and `check` (the relay's /healthz)
 * fails until Redis is back.
 *
 * Relay-wide counters (stats) are updated right after the document step they
 * count; they are figures for /healthz and /metrics, and a relay crash
 * between the two can leave them off by one.
 */
import { Redis } from 'ioredis';
import type { DocId, WorkspaceId } from '@tendril/crdt-schema/ids';
import { TendrilError } from '@tendril/crdt-schema/errors';
import type { Logger } from '../server/logger.ts';
import { BlobKind } from '@tendril/crdt-schema/wire';
import type { AppendResult, DocState, RelayStore, SnapshotPutResult, StoredBlobInfo, StoredEntry, WorkspaceRecord } from './types.ts';
import { decodeRetired } from './retired-caps.ts';
import { hexOf, packKeys, toBytes, unpackKeys } from './bytes.ts';
import { redisKeys } from './redis-keys.ts';
import { defineStoreScripts } from './redis-scripts.ts';
import { durabilityProblem } from './redis-durability.ts';

/** Ed25519 public key length: admin keys are packed at this stride. */
const KEY_BYTES = 32;
/** Documents whose sizes one workspaceUsage call asks for at once. */
const USAGE_CHUNK = 500;

export interface RedisStoreOptions {
  /** `redis://[user:password@]host:port[/db]` or `rediss://` for TLS. */
  url: string;
  /** Prefix of every key, so several relays can share one Redis. Default `tendril`. */
  prefix?: string;
  /** Replicas that must confirm each batch of appends (WAIT) before it is acknowledged. Default 0. */
  waitReplicas?: number;
  /** How long WAIT may take before the batch fails with E_STORE_FAILED. Default 1000 ms. */
  waitTimeoutMs?: number;
  /** Open even when the server's settings can lose acknowledged appends (see redis-durability.ts). */
  unsafeDurability?: boolean;
  /** Entries one prune script deletes at most (Redis serves nobody while a script runs). Default 1000. */
  pruneChunk?: number;
  /** Connection losses and recoveries are logged here. */
  logger?: Logger;
}

type Status = AppendResult['status'];
const STATUSES = new Set<string>(['appended', 'duplicate', 'conflict', 'covered']);

const buf = (bytes: Uint8Array): Buffer => Buffer.from(bytes);
const num = (b: Buffer | null | undefined): number => (b ? Number(b.toString()) : 0);

function docState(doc: DocId, row: Array<Buffer | null>): DocState | undefined {
  const [ws, w, r, head, snap, ret] = row;
  if (!ws || !w || !r) return undefined;
  return {
    doc,
    workspace: ws.toString() as WorkspaceId,
    writeKey: toBytes(w),
    readKey: toBytes(r),
    head: num(head),
    snapshotSeq: num(snap),
    retired: decodeRetired(ret ? toBytes(ret) : null),
  };
}

/** A stored blob's meta, packed as `kind:size:storedAt:ownerHex` (redis-keys.ts). */
const packBlobMeta = (i: StoredBlobInfo): string => `${i.kind}:${i.size}:${i.storedAt}:${Buffer.from(i.owner).toString('hex')}`;
function unpackBlobMeta(id: string, packed: string | null): StoredBlobInfo | undefined {
  if (packed === null) return undefined;
  const [kind, size, at, owner] = packed.split(':');
  return { id, kind: Number(kind) as BlobKind, size: Number(size), storedAt: Number(at), owner: new Uint8Array(Buffer.from(owner ?? '', 'hex')) };
}
const BLOB_KINDS = [BlobKind.Attachment, BlobKind.BackupChunk, BlobKind.BackupManifest] as const;

/** Connects, checks the server's durability settings, and returns the store. Rejects with E_STORE_FAILED when either fails. */
export async function openRedisStore(opts: RedisStoreOptions): Promise<RelayStore> {
  const keys = redisKeys(opts.prefix ?? 'tendril');
  const waitReplicas = opts.waitReplicas ?? 0;
  const waitTimeoutMs = opts.waitTimeoutMs ?? 1000;
  const pruneChunk = Math.max(1, opts.pruneChunk ?? 1000);
  const durability = { waitReplicas, unsafeDurability: opts.unsafeDurability ?? false };
  const logger = opts.logger;
  const redis = new Redis(opts.url, {
    lazyConnect: true,
    // Commands fail at once while disconnected, and an unanswered command is not sent again after a
    // reconnect: the caller got an error for it and will resend; a silent resend could store it twice.
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
    connectTimeout: 5000,
    retryStrategy: (attempt) => Math.min(attempt * 100, 2000),
  });
  let closed = false;
  let lastError: Error | undefined;
  let lost = false;
  redis.on('error', (err: Error) => {
    lastError = err;
  });
  redis.on('close', () => {
    if (closed || lost) return;
    lost = true;
    logger?.error('store.redis.lost', { error: lastError?.message });
  });
  redis.on('ready', () => {
    if (!lost) return;
    lost = false;
    logger?.info('store.redis.ready', {});
  });

  try {
    await redis.connect();
  } catch (err) {
    redis.disconnect();
    throw new TendrilError('E_STORE_FAILED', `cannot connect to Redis: ${(err as Error).message}`, { cause: err });
  }
  const problem = await durabilityProblem(redis, durability).catch((err: unknown) => `cannot check the settings: ${String(err)}`);
  if (problem !== undefined) {
    redis.disconnect();
    throw new TendrilError(
      'E_STORE_FAILED',
      `Redis would lose acknowledged appends: ${problem}. Fix the server's settings, or accept the risk with --redis-unsafe-durability`,
    );
  }

  const scripts = defineStoreScripts(redis);
  const inflight = new Set<Promise<unknown>>();

  const CONNECTION_GONE = /Stream isn't writeable|Connection is closed|ECONNRESET|ECONNREFUSED|EPIPE/;
  const failure = (err: unknown): TendrilError => {
    if (err instanceof TendrilError) return err;
    const reason = (err as Error)?.message ?? String(err);
    // The socket can break before the client's status leaves 'ready': its write errors say so first.
    if (redis.status !== 'ready' || CONNECTION_GONE.test(reason)) return new TendrilError('E_STORE_FAILED', `the Redis connection is lost (${reason})`, { cause: err });
    return new TendrilError('E_STORE_FAILED', `Redis refused the operation: ${reason}`, { cause: err });
  };

  /** Runs one store call: the commands are queued synchronously (call order), errors become E_STORE_FAILED. */
  const run = <T>(fn: () => Promise<T>): Promise<T> => {
    if (closed) return Promise.reject(new TendrilError('E_STORE_FAILED', 'the store is closed'));
    let pending: Promise<T>;
    try {
      pending = fn();
    } catch (err) {
      return Promise.reject(failure(err));
    }
    const settled = pending.catch((err: unknown) => Promise.reject(failure(err)));
    inflight.add(settled);
    void settled.finally(() => inflight.delete(settled)).catch(() => undefined);
    return settled;
  };

  /** One WAIT after every append sent in this event-loop turn; resolves once the replicas confirm them all. */
  let replicaWait: Promise<void> | undefined;
  const replicated = (): Promise<void> =>
    (replicaWait ??= new Promise<void>((resolve) => setImmediate(resolve)).then(async () => {
      replicaWait = undefined;
      const confirmed = await redis.wait(waitReplicas, waitTimeoutMs);
      if (confirmed < waitReplicas) {
        throw new TendrilError('E_STORE_FAILED', `only ${confirmed} of ${waitReplicas} Redis replicas confirmed the append within ${waitTimeoutMs} ms`);
      }
    }));

  const workspaceRecord = (workspace: WorkspaceId, admins: Buffer, at: Buffer): WorkspaceRecord => ({
    workspace,
    admins: unpackKeys(admins, KEY_BYTES),
    createdAt: num(at),
  });

  return {
    createWorkspace: (workspace, admins, createdAt) =>
      run(async () => {
        const [packed, at] = await scripts.createWorkspace(keys.workspace(workspace).record, buf(packKeys(admins)), createdAt);
        // Idempotent, and repeated on every call: a crash between the two steps heals on the next registration.
        await redis.sadd(keys.global.workspaces, workspace);
        return workspaceRecord(workspace, packed, at);
      }),
    getWorkspace: (workspace) =>
      run(async () => {
        const [admins, at] = await redis.hmgetBuffer(keys.workspace(workspace).record, 'admins', 'at');
        return admins && at ? workspaceRecord(workspace, admins, at) : undefined;
      }),
    addAdmin: (workspace, key) => run(async () => (await scripts.addAdmin(keys.workspace(workspace).record, buf(key))) === 1),
    revokeDevice: (workspace, device, at) => run(async () => void (await redis.hsetnx(keys.workspace(workspace).revoked, device, at))),
    isRevoked: (workspace, device) => run(async () => (await redis.hexists(keys.workspace(workspace).revoked, device)) === 1),
    enrolDevice: (workspace, deviceKey, invite) =>
      run(async () => {
        const k = keys.workspace(workspace);
        const result = (await scripts.enrol(k.invites, k.members, buf(deviceKey), invite)).toString() as 'enrolled' | 'invite-used';
        // The lookup index lives in the key's own slot (a workspace's slot cannot hold it); an enrolment
        // repeated after a crash between the two writes fills it in (enrolDevice is idempotent).
        if (result === 'enrolled') await redis.sadd(keys.global.memberOf(hexOf(deviceKey)), workspace);
        return result;
      }),
    isMember: (workspace, deviceKey) => run(async () => (await redis.sismember(keys.workspace(workspace).members, buf(deviceKey))) === 1),
    workspacesOfMember: (deviceKey) => run(async () => (await redis.smembers(keys.global.memberOf(hexOf(deviceKey)))) as WorkspaceId[]),

    createDoc: (r) =>
      run(async () => {
        const state = docState(r.doc, await scripts.createDoc(keys.doc(r.doc).meta, r.workspace, buf(r.writeKey), buf(r.readKey)))!;
        // The workspace the document is registered under (the first registration's), not the caller's.
        await Promise.all([redis.sadd(keys.workspace(state.workspace).docs, r.doc), redis.sadd(keys.global.docs, r.doc)]);
        return state;
      }),
    getDoc: (doc) => run(async () => docState(doc, await redis.hmgetBuffer(keys.doc(doc).meta, 'ws', 'w', 'r', 'head', 'snap', 'ret'))),
    setCaps: (doc, change) =>
      run(
        async () =>
          (await scripts.setCaps(keys.doc(doc).meta, buf(change.writeKey), buf(change.readKey), buf(packKeys(change.readers)), change.readers.length)) === 1,
      ),

    append: (doc, input) =>
      run(async (): Promise<AppendResult> => {
        const k = keys.doc(doc);
        const [status, seq] = await scripts.append([k.meta, k.log, k.seen, k.covered], buf(input.author), input.counter, buf(input.envelope));
        const name = status.toString();
        if (name === 'unknown') throw new TendrilError('E_UNKNOWN_DOC', `no document ${doc}`);
        if (!STATUSES.has(name)) throw new TendrilError('E_STORE_FAILED', `unexpected append reply ${JSON.stringify(name)}`);
        if (name === 'appended') void redis.hincrby(keys.global.counters, 'entries', 1).catch(() => undefined);
        if (waitReplicas > 0) await replicated();
        return { seq, status: name as Status };
      }),
    readSince: (doc, afterSeq, limit, maxBytes = Infinity) =>
      run(async () => {
        const count = Math.max(0, Math.floor(limit));
        if (count === 0) return [];
        const flat = await scripts.readSince(keys.doc(doc).log, Math.max(0, Math.floor(afterSeq)), count, Number.isFinite(maxBytes) ? Math.max(0, maxBytes) : -1);
        const page: StoredEntry[] = [];
        for (let i = 0; i + 3 < flat.length; i += 4) {
          page.push({ seq: parseInt(flat[i]!.toString(), 10), author: toBytes(flat[i + 1]!), counter: num(flat[i + 2]), envelope: toBytes(flat[i + 3]!) });
        }
        return page;
      }),
    head: (doc) => run(async () => num(await redis.hgetBuffer(keys.doc(doc).meta, 'head'))),

    getSnapshot: (doc) =>
      run(async () => {
        const k = keys.doc(doc);
        const [seq, envelope] = await scripts.getSnapshot(k.meta, k.snapshot);
        return seq > 0 && envelope ? { seq, envelope: toBytes(envelope) } : undefined;
      }),
    putSnapshot: (doc, seq, envelope) =>
      run(async (): Promise<SnapshotPutResult> => {
        const k = keys.doc(doc);
        const reply = (await scripts.putSnapshot(k.meta, k.snapshot, seq, buf(envelope))).toString();
        return reply === 'ok' ? { ok: true } : { ok: false, reason: reply as 'unknown-doc' | 'beyond-head' | 'not-newer' };
      }),
    prune: (doc, throughSeq) =>
      run(async () => {
        const k = keys.doc(doc);
        let total = 0;
        for (;;) {
          const gone = await scripts.prune([k.meta, k.log, k.seen, k.covered], Math.floor(throughSeq), pruneChunk);
          if (gone > 0) void redis.hincrby(keys.global.counters, 'entries', -gone).catch(() => undefined);
          total += gone;
          if (gone < pruneChunk) return total;
        }
      }),

    putBlob: (key, data, expiresAt) =>
      run(async () => {
        const b = keys.blobs;
        const replies = await redis.multi().hset(b.data, key, buf(data)).zadd(b.expiry, expiresAt, key).zadd(b.names, 0, key).exec();
        const failed = replies?.find(([err]) => err);
        if (!replies || failed) throw failure(failed?.[0] ?? new Error('the blob transaction was discarded'));
      }),
    takeBlob: (key, now) =>
      run(async () => {
        const data = await scripts.takeBlob([keys.blobs.data, keys.blobs.expiry, keys.blobs.names], key, now);
        return data ? toBytes(data) : undefined;
      }),
    expireBlobs: (now) => run(() => scripts.expireBlobs([keys.blobs.data, keys.blobs.expiry, keys.blobs.names], now)),

    putStoredBlob: (workspace, info, data) =>
      run(async () => {
        const k = keys.workspace(workspace);
        const reply = await scripts.putStoredBlob([k.blobMeta, k.blobBytes, k.blobKind(info.kind), k.blob(info.id)], info.id, packBlobMeta(info), info.size, buf(data));
        if (waitReplicas > 0) await replicated();
        return reply.toString() === 'stored' ? 'stored' : 'exists';
      }),
    getStoredBlobInfo: (workspace, id) => run(async () => unpackBlobMeta(id, await redis.hget(keys.workspace(workspace).blobMeta, id))),
    readStoredBlob: (workspace, id, offset, length) =>
      run(async () => {
        const k = keys.workspace(workspace);
        if ((await redis.hexists(k.blobMeta, id)) === 0) return undefined;
        if (length <= 0) return new Uint8Array(0);
        return toBytes(await redis.getrangeBuffer(k.blob(id), offset, offset + length - 1));
      }),
    hasStoredBlobs: (workspace, ids) =>
      run(async () => {
        if (ids.length === 0) return [];
        const metas = await redis.hmget(keys.workspace(workspace).blobMeta, ...ids);
        return metas.map((m) => m !== null);
      }),
    listStoredBlobs: (workspace, kind, after, limit) =>
      run(async () => {
        const k = keys.workspace(workspace);
        const count = Math.max(0, Math.floor(limit));
        if (count === 0) return [];
        const ids = await redis.zrangebylex(k.blobKind(kind), after === '' ? '-' : `(${after}`, '+', 'LIMIT', 0, count);
        if (ids.length === 0) return [];
        const metas = await redis.hmget(k.blobMeta, ...ids);
        return ids.flatMap((id, i) => unpackBlobMeta(id, metas[i] ?? null) ?? []);
      }),
    deleteStoredBlob: (workspace, id) =>
      run(async () => {
        const k = keys.workspace(workspace);
        const [a, b, c] = BLOB_KINDS.map((kind) => k.blobKind(kind)) as [string, string, string];
        return (await scripts.deleteStoredBlob([k.blobMeta, k.blobBytes, k.blob(id), a, b, c], id)) === 1;
      }),

    stats: () =>
      run(async () => {
        const [workspaces, docs, entries, blobs] = await Promise.all([
          redis.scard(keys.global.workspaces),
          redis.scard(keys.global.docs),
          redis.hget(keys.global.counters, 'entries'),
          redis.zcard(keys.blobs.expiry),
        ]);
        return { workspaces, docs, entries: Number(entries ?? 0), blobs };
      }),
    check: () =>
      run(async () => {
        // A real write, removed again: Redis refuses writes when it cannot persist them (MISCONF, a full disk).
        await redis.set(keys.global.probe, String(Date.now()), 'PX', 60_000);
        await redis.del(keys.global.probe);
        const problem = await durabilityProblem(redis, durability);
        if (problem !== undefined) throw new TendrilError('E_STORE_FAILED', `Redis would lose acknowledged appends: ${problem}`);
        if (waitReplicas > 0) {
          const confirmed = await redis.wait(waitReplicas, waitTimeoutMs);
          if (confirmed < waitReplicas) throw new TendrilError('E_STORE_FAILED', `only ${confirmed} of ${waitReplicas} Redis replicas answer`);
        }
      }),
    countWorkspaces: () => run(() => redis.scard(keys.global.workspaces)),
    workspaceUsage: (workspace) =>
      run(async () => {
        const docs = await redis.smembers(keys.workspace(workspace).docs);
        let bytes = 0;
        for (let i = 0; i < docs.length; i += USAGE_CHUNK) {
          const sizes = await Promise.all(docs.slice(i, i + USAGE_CHUNK).map((d) => redis.hget(keys.doc(d as DocId).meta, 'bytes')));
          for (const s of sizes) bytes += Number(s ?? 0);
        }
        const [blobs, blobBytes] = await scripts.blobUsage(keys.blobs.data, keys.blobs.names, workspace);
        const storedBytes = Number((await redis.get(keys.workspace(workspace).blobBytes)) ?? 0);
        return { docs: docs.length, bytes: bytes + blobBytes + storedBytes, blobs };
      }),
    close: async () => {
      if (closed) return;
      closed = true;
      await Promise.allSettled([...inflight]);
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}
