/**
 * The Lua scripts of the Redis relay store. Each runs atomically on the
 * server and touches keys of one hash tag only (one document, one workspace,
 * or the blobs), so they run unchanged on Redis Cluster. The append script is
 * where sequence numbers, (author, counter) de-duplication and the append
 * itself happen as one step. Replies are Buffers (binary keys and envelopes
 * travel as raw bytes).
 */
import type { Redis } from 'ioredis';
import { MAX_RETIRED_CAPS } from './retired-caps.ts';

/** KEYS: meta log seen covered. ARGV: author counter envelope. Reply: {status, seq}. */
const APPEND = `
local head = redis.call('HGET', KEYS[1], 'head')
if not head then return {'unknown', 0} end
local field = ARGV[1] .. ':' .. ARGV[2]
local seen = redis.call('HGET', KEYS[3], field)
if seen then
  local held = redis.call('XRANGE', KEYS[2], seen .. '-0', seen .. '-0')
  if held[1] and held[1][2][6] ~= ARGV[3] then return {'conflict', tonumber(seen)} end
  return {'duplicate', tonumber(seen)}
end
local snap = tonumber(redis.call('HGET', KEYS[1], 'snap'))
if snap > 0 then
  local covered = redis.call('HGET', KEYS[4], ARGV[1])
  if covered and tonumber(ARGV[2]) <= tonumber(covered) then return {'covered', snap} end
end
local seq = tonumber(head) + 1
redis.call('XADD', KEYS[2], seq .. '-0', 'a', ARGV[1], 'c', ARGV[2], 'e', ARGV[3])
redis.call('HSET', KEYS[3], field, seq)
redis.call('HSET', KEYS[1], 'head', seq)
redis.call('HINCRBY', KEYS[1], 'bytes', #ARGV[3])
return {'appended', seq}
`;

/** KEYS: log. ARGV: afterSeq limit maxBytes (-1: none). Reply: flat [seq, author, counter, envelope, ...]. */
const READ_SINCE = `
local out = {}
local n, bytes = 0, 0
local limit, maxBytes = tonumber(ARGV[2]), tonumber(ARGV[3])
local start = '(' .. ARGV[1] .. '-0'
while n < limit do
  local chunk = redis.call('XRANGE', KEYS[1], start, '+', 'COUNT', math.min(limit - n, 256))
  if #chunk == 0 then break end
  for _, e in ipairs(chunk) do
    local f = e[2]
    out[#out + 1] = e[1]
    out[#out + 1] = f[2]
    out[#out + 1] = f[4]
    out[#out + 1] = f[6]
    n = n + 1
    bytes = bytes + #f[6]
    if maxBytes >= 0 and bytes >= maxBytes then return out end
    start = '(' .. e[1]
  end
end
return out
`;

/** KEYS: meta. ARGV: workspace writeKey readKey. Reply: [ws, w, r, head, snap, ret]. */
const CREATE_DOC = `
if redis.call('EXISTS', KEYS[1]) == 0 then
  redis.call('HSET', KEYS[1], 'ws', ARGV[1], 'w', ARGV[2], 'r', ARGV[3], 'head', 0, 'snap', 0, 'bytes', 0)
end
return redis.call('HMGET', KEYS[1], 'ws', 'w', 'r', 'head', 'snap', 'ret')
`;

/**
 * KEYS: meta. ARGV: writeKey readKey packedReaders readerCount. The replaced
 * pair goes in front of 'ret' (the retired-caps.ts byte form), keeping the
 * newest MAX_RETIRED_CAPS. Reply: 1, or 0 for an unknown document.
 */
const SET_CAPS = `
local cur = redis.call('HMGET', KEYS[1], 'w', 'r', 'ret')
if not cur[1] then return 0 end
local old = cur[3] or ''
local o, kept = 1, 0
while o <= #old and kept < ${MAX_RETIRED_CAPS - 1} do
  local count = struct.unpack('>I4', old, o + 64)
  o = o + 68 + count * 32
  kept = kept + 1
end
local retired = cur[1] .. cur[2] .. struct.pack('>I4', tonumber(ARGV[4])) .. ARGV[3] .. string.sub(old, 1, o - 1)
redis.call('HSET', KEYS[1], 'w', ARGV[1], 'r', ARGV[2], 'ret', retired)
return 1
`;

/** KEYS: meta snapshot. ARGV: seq envelope. Reply: 'ok' or the refusal reason. */
const PUT_SNAPSHOT = `
local cur = redis.call('HMGET', KEYS[1], 'head', 'snap')
if not cur[1] then return 'unknown-doc' end
local seq = tonumber(ARGV[1])
if seq > tonumber(cur[1]) then return 'beyond-head' end
if seq < 1 or seq <= tonumber(cur[2]) then return 'not-newer' end
local replaced = redis.call('STRLEN', KEYS[2])
redis.call('SET', KEYS[2], ARGV[2])
redis.call('HSET', KEYS[1], 'snap', seq)
redis.call('HINCRBY', KEYS[1], 'bytes', #ARGV[2] - replaced)
return 'ok'
`;

/** KEYS: meta snapshot. Reply: [seq, envelope] or [0, false]. */
const GET_SNAPSHOT = `
local seq = tonumber(redis.call('HGET', KEYS[1], 'snap') or '0')
if seq == 0 then return {0, false} end
return {seq, redis.call('GET', KEYS[2])}
`;

/**
 * KEYS: meta log seen covered. ARGV: throughSeq maxCount. Deletes up to maxCount entries a
 * snapshot covers (a long log is pruned in several short scripts: Redis serves nobody while one
 * runs). Reply: entries deleted (fewer than maxCount: nothing is left to prune).
 */
const PRUNE = `
local snap = tonumber(redis.call('HGET', KEYS[1], 'snap') or '0')
local through = math.min(tonumber(ARGV[1]), snap)
if through < 1 then return 0 end
local gone = redis.call('XRANGE', KEYS[2], '-', through .. '-0', 'COUNT', tonumber(ARGV[2]))
if #gone == 0 then return 0 end
local bytes = 0
for _, e in ipairs(gone) do
  local f = e[2]
  redis.call('HDEL', KEYS[3], f[2] .. ':' .. f[4])
  local covered = redis.call('HGET', KEYS[4], f[2])
  if not covered or tonumber(f[4]) > tonumber(covered) then redis.call('HSET', KEYS[4], f[2], f[4]) end
  bytes = bytes + #f[6]
end
local last = tonumber(string.match(gone[#gone][1], '^(%d+)-'))
redis.call('XTRIM', KEYS[2], 'MINID', (last + 1) .. '-0')
redis.call('HINCRBY', KEYS[1], 'bytes', -bytes)
return #gone
`;

/** KEYS: record. ARGV: packedAdmins createdAt. Reply: [admins, createdAt, created (1/0)]. */
const CREATE_WORKSPACE = `
local created = 0
if redis.call('EXISTS', KEYS[1]) == 0 then
  redis.call('HSET', KEYS[1], 'admins', ARGV[1], 'at', ARGV[2])
  created = 1
end
local cur = redis.call('HMGET', KEYS[1], 'admins', 'at')
return {cur[1], cur[2], created}
`;

/** KEYS: record. ARGV: key (32 bytes). Reply: 1, or 0 for an unknown workspace. */
const ADD_ADMIN = `
local admins = redis.call('HGET', KEYS[1], 'admins')
if not admins then return 0 end
for o = 1, #admins - 31, 32 do
  if string.sub(admins, o, o + 31) == ARGV[1] then return 1 end
end
redis.call('HSET', KEYS[1], 'admins', admins .. ARGV[1])
return 1
`;

/** KEYS: invites members. ARGV: deviceKey [invite]. Reply: 'enrolled' or 'invite-used'. */
const ENROL = `
if ARGV[2] then
  redis.call('HSETNX', KEYS[1], ARGV[2], ARGV[1])
  if redis.call('HGET', KEYS[1], ARGV[2]) ~= ARGV[1] then return 'invite-used' end
end
redis.call('SADD', KEYS[2], ARGV[1])
return 'enrolled'
`;

/** KEYS: data expiry names. ARGV: key now. Reply: the bytes, or nil when absent or expired. */
const TAKE_BLOB = `
local data = redis.call('HGET', KEYS[1], ARGV[1])
local expires = redis.call('ZSCORE', KEYS[2], ARGV[1])
redis.call('HDEL', KEYS[1], ARGV[1])
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('ZREM', KEYS[3], ARGV[1])
if data and expires and tonumber(expires) > tonumber(ARGV[2]) then return data end
return false
`;

/** KEYS: data expiry names. ARGV: now. Reply: blobs deleted. */
const EXPIRE_BLOBS = `
local gone = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', ARGV[1])
for _, k in ipairs(gone) do
  redis.call('HDEL', KEYS[1], k)
  redis.call('ZREM', KEYS[3], k)
end
if #gone > 0 then redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', ARGV[1]) end
return #gone
`;

/** KEYS: data names. ARGV: workspace. Reply: [blobs, bytes] of keys starting with '<workspace>/'. */
const BLOB_USAGE = `
local names = redis.call('ZRANGEBYLEX', KEYS[2], '[' .. ARGV[1] .. '/', '(' .. ARGV[1] .. '0')
local bytes = 0
for _, k in ipairs(names) do bytes = bytes + redis.call('HSTRLEN', KEYS[1], k) end
return {#names, bytes}
`;

/** KEYS: meta bytes kindset data. ARGV: id meta size bytes. Reply: 'stored', or 'exists' (nothing changed). */
const PUT_STORED_BLOB = `
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 1 then return 'exists' end
redis.call('SET', KEYS[4], ARGV[4])
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('ZADD', KEYS[3], 0, ARGV[1])
redis.call('INCRBY', KEYS[2], ARGV[3])
return 'stored'
`;

/** KEYS: meta bytes data kindset1 kindset2 kindset3. ARGV: id. Reply: 1 deleted, 0 absent. */
const DELETE_STORED_BLOB = `
local m = redis.call('HGET', KEYS[1], ARGV[1])
if not m then return 0 end
local kind, size = string.match(m, '^(%d+):(%d+):')
redis.call('HDEL', KEYS[1], ARGV[1])
redis.call('DEL', KEYS[3])
local set = KEYS[3 + tonumber(kind)]
if set then redis.call('ZREM', set, ARGV[1]) end
redis.call('DECRBY', KEYS[2], size)
return 1
`;

type Arg = string | Buffer | number;
type Reply = Buffer | number | null | Reply[];

/** One script per method; each returns the raw reply (Buffers for bulk strings). */
export interface StoreScripts {
  append(keys: [string, string, string, string], author: Buffer, counter: number, envelope: Buffer): Promise<[Buffer, number]>;
  readSince(log: string, afterSeq: number, limit: number, maxBytes: number): Promise<Buffer[]>;
  createDoc(meta: string, workspace: string, writeKey: Buffer, readKey: Buffer): Promise<Array<Buffer | null>>;
  setCaps(meta: string, writeKey: Buffer, readKey: Buffer, readers: Buffer, count: number): Promise<number>;
  putSnapshot(meta: string, snapshot: string, seq: number, envelope: Buffer): Promise<Buffer>;
  getSnapshot(meta: string, snapshot: string): Promise<[number, Buffer | null]>;
  prune(keys: [string, string, string, string], throughSeq: number, maxCount: number): Promise<number>;
  createWorkspace(record: string, admins: Buffer, createdAt: number): Promise<[Buffer, Buffer, number]>;
  addAdmin(record: string, key: Buffer): Promise<number>;
  enrol(invites: string, members: string, device: Buffer, invite?: string): Promise<Buffer>;
  takeBlob(keys: [string, string, string], key: string, now: number): Promise<Buffer | null>;
  expireBlobs(keys: [string, string, string], now: number): Promise<number>;
  blobUsage(data: string, names: string, workspace: string): Promise<[number, number]>;
  putStoredBlob(keys: [string, string, string, string], id: string, meta: string, size: number, data: Buffer): Promise<Buffer>;
  deleteStoredBlob(keys: [string, string, string, string, string, string], id: string): Promise<number>;
}

const SOURCES = {
  append: [APPEND, 4],
  readSince: [READ_SINCE, 1],
  createDoc: [CREATE_DOC, 1],
  setCaps: [SET_CAPS, 1],
  putSnapshot: [PUT_SNAPSHOT, 2],
  getSnapshot: [GET_SNAPSHOT, 2],
  prune: [PRUNE, 4],
  createWorkspace: [CREATE_WORKSPACE, 1],
  addAdmin: [ADD_ADMIN, 1],
  enrol: [ENROL, 2],
  takeBlob: [TAKE_BLOB, 3],
  expireBlobs: [EXPIRE_BLOBS, 3],
  blobUsage: [BLOB_USAGE, 2],
  putStoredBlob: [PUT_STORED_BLOB, 4],
  deleteStoredBlob: [DELETE_STORED_BLOB, 6],
} as const satisfies Record<keyof StoreScripts, readonly [string, number]>;

/**
 * Registers the scripts on `redis` (EVALSHA, falling back to EVAL after a
 * server restart emptied its script cache) and returns them typed.
 */
export function defineStoreScripts(redis: Redis): StoreScripts {
  const call = redis as unknown as Record<string, (...args: Arg[]) => Promise<Reply>>;
  const scripts: Record<string, (...args: unknown[]) => Promise<Reply>> = {};
  for (const [name, [lua, numberOfKeys]] of Object.entries(SOURCES)) {
    const command = `tendril_${name}`;
    redis.defineCommand(command, { lua, numberOfKeys });
    scripts[name] = (...args: unknown[]) => {
      const flat = args.flatMap((a) => (Array.isArray(a) ? a : a === undefined ? [] : [a])) as Arg[];
      return call[`${command}Buffer`]!.apply(redis, flat);
    };
  }
  return scripts as unknown as StoreScripts;
}
