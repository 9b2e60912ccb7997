/**
 * Idle memory: what one idle connection costs a server. The server runs alone
 * in a child process (with --expose-gc); its RSS and V8 heap are read after a
 * full GC once `warmup` connections have come and gone, and again once
 * `connections` clients are connected and have idled for `settle` seconds. Clients live in `client-procs` other processes and
 * use several 127.0.0.x source addresses.
 *
 * - tendril: the real relay (SQLite); each client completes the hello
 *   handshake (Ed25519 proof) and subscribes to one document with its read
 *   capability (Subscribed, catch-up of one entry, CaughtUp). Every client is
 *   its own device; all follow the same document.
 * - raw: a plain `ws` server holding the sockets (one room, no handlers).
 * - yws: the y-websocket server, each client in the same room (sync step 1 sent).
 *
 *   node --import tsx bench/relay-idle-memory.ts [--connections 10000] [--client-procs 2] [--systems tendril,raw,yws]
 *     [--warmup 500] [--settle 11] [--heap-snapshot DIR] [--profile DIR] [--wait-quiet 60]
 *
 * Each process needs one file descriptor per connection: children get
 * `ulimit -n 65536` when the current limit is too low.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadCrypto } from '@tendril/crdt-schema/crypto';
import { parseFlags, sleep } from './lib/args.ts';
import { cpuMsBetween, libPath, openFileLimit, procRssBytes, startChild, type Child } from './lib/child.ts';
import type { LightTarget, SystemKind } from './lib/light-client.ts';
import type { OpenReaders } from './lib/reader-child.ts';
import type { Usage } from './lib/rpc.ts';
import type { ServerReady, ServerSpec } from './lib/server-child.ts';
import { fmt, fmtBytes, ratio } from './lib/stats.ts';
import { contentionWarning, machineNote, printTable, waitForQuiet } from './lib/table.ts';
import { createBenchWorkspace, newDocId, openDeviceDoc, readGrant, type DeviceDoc } from './lib/tendril.ts';

const flags = parseFlags();
const CONNECTIONS = flags.number('connections', 10_000);
const CLIENT_PROCS = flags.number('client-procs', 2);
const SYSTEMS = flags.strings('systems', ['tendril', 'raw', 'yws']) as SystemKind[];
const ADDRESSES = flags.number('addresses', 4);
/** Idle time before the second reading: longer than the relay's 10 s pre-auth timer (a hello clears it; this checks nothing else waits on it). */
const SETTLE_S = flags.number('settle', 11);
/** Write a heap snapshot of each server with its connections open into this directory. */
const HEAP_DIR = flags.string('heap-snapshot', '');
/** Write V8 CPU profiles of the servers into this directory. */
const PROFILE_DIR = flags.string('profile', '');
/**
 * Connections opened and closed before the first reading, so one-time costs (compiled code,
 * statement caches, first allocations of each kind) are not charged to the measured connections.
 */
const WARMUP = flags.number('warmup', 500);
const WAIT_QUIET = flags.number('wait-quiet', 60);
flags.done();

const crypto = await loadCrypto();
const limit = openFileLimit() ?? 1024;
const fdLimitFor = (fds: number): number | undefined => (fds + 512 > limit ? 65_536 : undefined);
const localAddresses = Array.from({ length: ADDRESSES }, (_, i) => `127.0.0.${i + 1}`);

interface Result {
  readonly system: SystemKind;
  readonly connections: number;
  readonly before: Usage;
  readonly after: Usage;
  readonly procRssAfter: number;
  readonly openMs: number;
  readonly serverCpuMs: number;
}

async function measure(system: SystemKind): Promise<Result> {
  const dataDir = mkdtempSync(join(tmpdir(), 'bench-idle-'));
  const spec: ServerSpec = system === 'tendril' ? { kind: 'tendril', dataDir } : { kind: system };
  const server = await startChild<ServerReady>(libPath('server-child.ts'), [JSON.stringify(spec)], {
    nodeArgs: ['--expose-gc', ...(PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${join(PROFILE_DIR, system)}`] : [])],
    ...(fdLimitFor(CONNECTIONS) ? { fdLimit: fdLimitFor(CONNECTIONS)! } : {}),
  });
  const clients: Child<unknown>[] = [];
  let owner: DeviceDoc | undefined;
  try {
    let target: LightTarget = { kind: system, url: server.ready.url, room: 'idle' };
    if (system === 'tendril') {
      const ws = createBenchWorkspace(crypto);
      const doc = newDocId();
      owner = await openDeviceDoc({ ws, relayUrl: server.ready.url, identity: ws.admin, doc, register: true });
      owner.ydoc.getText('t').insert(0, 'hello');
      await owner.sync.whenSynced(30_000);
      target = { kind: 'tendril', url: server.ready.url, grant: readGrant(ws, doc) };
    }
    const perProc = Math.ceil(CONNECTIONS / CLIENT_PROCS);
    for (let p = 0; p < CLIENT_PROCS; p++) {
      const fdLimit = fdLimitFor(perProc);
      clients.push(await startChild<unknown>(libPath('reader-child.ts'), [], fdLimit ? { fdLimit } : {}));
    }
    if (WARMUP > 0) {
      await clients[0]!.call<number>('open', { target, count: WARMUP, concurrency: 64, localAddresses } satisfies OpenReaders, 600_000);
      await clients[0]!.call('close');
    }
    await sleep(1_000);
    const before = await server.usage(true);
    const t0 = performance.now();
    let left = CONNECTIONS;
    await Promise.all(
      clients.map((c) => {
        const count = Math.min(perProc, left);
        left -= count;
        return c.call<number>('open', { target, count, concurrency: 64, localAddresses } satisfies OpenReaders, 600_000);
      }),
    );
    const openMs = performance.now() - t0;
    const opened = await server.usage(false);
    await sleep(SETTLE_S * 1000);
    const after = await server.usage(true);
    if (HEAP_DIR) console.log(`  heap snapshot: ${await server.call<string>('heapSnapshot', { dir: HEAP_DIR }, 300_000)}`);
    return { system, connections: CONNECTIONS, before, after, procRssAfter: procRssBytes(server.pid), openMs, serverCpuMs: cpuMsBetween(before, opened) };
  } finally {
    for (const c of clients) await c.stop();
    await owner?.close();
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

console.log(`idle memory: ${CONNECTIONS} idle connections per server, clients in ${CLIENT_PROCS} processes from ${ADDRESSES} source addresses (open-file limit here ${limit})`);
await waitForQuiet(WAIT_QUIET * 1000);
console.log(machineNote());
const results: Result[] = [];
for (const system of SYSTEMS) {
  const r = await measure(system);
  results.push(r);
  console.log(`  ${system}: ${fmt((r.after.rss - r.before.rss) / r.connections, 0)} B RSS/connection, opened in ${fmt(r.openMs / 1000, 1)} s`);
}

const rssPer = (r: Result): number => (r.after.rss - r.before.rss) / r.connections;
const heapPer = (r: Result): number => (r.after.heapUsed - r.before.heapUsed) / r.connections;
const offHeapPer = (r: Result): number => (r.after.external + r.after.arrayBuffers - r.before.external - r.before.arrayBuffers) / r.connections;
printTable(
  `Idle connections: server memory after a full GC, ${CONNECTIONS} connections`,
  ['server', 'RSS before', 'RSS after', 'RSS per conn', 'heap per conn', 'external per conn', 'open time s', 'conns/s', 'server CPU per open'],
  results.map((r) => [
    r.system,
    fmtBytes(r.before.rss),
    `${fmtBytes(r.after.rss)} (/proc ${fmtBytes(r.procRssAfter)})`,
    fmtBytes(rssPer(r)),
    fmtBytes(heapPer(r)),
    fmtBytes(offHeapPer(r)),
    fmt(r.openMs / 1000, 1),
    fmt(r.connections / (r.openMs / 1000), 0),
    `${fmt((r.serverCpuMs * 1000) / r.connections, 0)} us`,
  ]),
);
const raw = results.find((r) => r.system === 'raw');
const tendril = results.find((r) => r.system === 'tendril');
const yws = results.find((r) => r.system === 'yws');
printTable('Idle memory ratios (target: tendril RSS per connection <= 1.5x raw ws)', ['ratio', 'RSS per conn', 'heap per conn'], [
  ['tendril / raw', ratio(tendril && rssPer(tendril), raw && rssPer(raw)), ratio(tendril && heapPer(tendril), raw && heapPer(raw))],
  ['yws / raw', ratio(yws && rssPer(yws), raw && rssPer(raw)), ratio(yws && heapPer(yws), raw && heapPer(raw))],
]);
const warning = contentionWarning();
if (warning) console.log(`\n${warning}`);
