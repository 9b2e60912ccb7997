/**
 * Appends per second on one Redis with one and with four relay processes, in
 * the same run. W writers (own device, own document each) send pre-sealed
 * envelopes with up to `window` unacknowledged frames each; with four relay
 * processes the writers are spread over them round-robin. Each relay
 * verifies every signature and acknowledges an append only once Redis
 * answered the append script (AOF with `appendfsync always`: durable).
 * Appends/s = acknowledgements per second over all writers.
 *
 *   node --import tsx bench/relay-redis-appends.ts [--writers 8] [--window 64] [--seconds 3] [--processes 1,4] [--wait-quiet 60]
 *
 * Redis runs on a free port in a temporary directory. Every process (Redis,
 * the relays, the writers here) shares the machine's cores: on a small
 * machine the ratio says what the added processes cost, not what more
 * machines would add.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadCrypto } from '@tendril/crdt-schema/crypto';
import { newDocId } from '@tendril/crdt-schema/ids';
import { startRedis } from '@tendril/sync-server/testing/redis-server';
import { parseFlags, waitFor } from './lib/args.ts';
import { cpuMsBetween, libPath, startChild, type Child } from './lib/child.ts';
import type { Usage } from './lib/rpc.ts';
import type { ServerReady, ServerSpec } from './lib/server-child.ts';
import { fmt, median, percentile, ratio } from './lib/stats.ts';
import { contentionWarning, machineNote, printTable, waitForQuiet } from './lib/table.ts';
import { createBenchWorkspace, newMember } from './lib/tendril.ts';
import { openRawWriter, sealMany } from './lib/raw-writer.ts';

const flags = parseFlags();
const WRITERS = flags.number('writers', 8);
const WINDOW = flags.number('window', 64);
const SECONDS = flags.number('seconds', 3);
const PROCESSES = flags.numbers('processes', [1, 4]);
/** Envelopes sealed per writer (a run also stops at `seconds`). */
const POOL = flags.number('pool', 3000);
const WAIT_QUIET = flags.number('wait-quiet', 60);
flags.done();

const crypto = await loadCrypto();

interface Run {
  readonly processes: number;
  readonly appends: number;
  readonly ms: number;
  readonly ackMs: number[];
  readonly relayCpuMs: number;
}

async function run(processes: number, redisUrl: string, dataDir: string): Promise<Run> {
  const relays: Child<ServerReady>[] = [];
  const clients = [];
  try {
    for (let i = 0; i < processes; i++) {
      const spec: ServerSpec = { kind: 'tendril', dataDir, redis: { url: redisUrl, prefix: `bench-appends-${processes}` } };
      relays.push(await startChild<ServerReady>(libPath('server-child.ts'), [JSON.stringify(spec)]));
    }
    const ws = createBenchWorkspace(crypto);
    const devices = [ws.admin, ...Array.from({ length: WRITERS - 1 }, () => newMember(ws))];
    const docs = devices.map(() => newDocId());
    const pools = devices.map((d, w) => sealMany(ws, d, docs[w]!, POOL, 64));
    for (let w = 0; w < WRITERS; w++) {
      const url = relays[w % processes]!.ready.url;
      clients.push(await openRawWriter({ url, ws, identity: devices[w]!, doc: docs[w]!, register: w === 0, ...(w === 0 && { enrol: devices.slice(1) }) }));
    }
    const ackMs: number[] = [];
    let acked = 0;
    let sent = 0;
    const u0: Usage[] = await Promise.all(relays.map((r) => r.usage()));
    const t0 = performance.now();
    const stopAt = t0 + SECONDS * 1000;
    clients.forEach((c, w) => {
      const pool = pools[w]!;
      const sentAt: number[] = [];
      let next = 0;
      let countAcked = 0;
      const pump = (): void => {
        while (next < POOL && next - countAcked < WINDOW && performance.now() < stopAt) {
          sentAt[next] = performance.now();
          c.send(next + 1, pool[next]!);
          next++;
          sent++;
        }
      };
      c.onAck = (ref) => {
        ackMs.push(performance.now() - sentAt[ref - 1]!);
        countAcked++;
        acked++;
        pump();
      };
      pump();
    });
    await waitFor(() => performance.now() >= stopAt || acked >= POOL * WRITERS, SECONDS * 1000 + 1000, 5);
    if (!(await waitFor(() => acked >= sent, 60_000, 5))) throw new Error(`only ${acked} of ${sent} appends acknowledged`);
    const ms = performance.now() - t0;
    const u1: Usage[] = await Promise.all(relays.map((r) => r.usage()));
    return { processes, appends: acked, ms, ackMs, relayCpuMs: u0.reduce((n, u, i) => n + cpuMsBetween(u, u1[i]!), 0) };
  } finally {
    for (const c of clients) c.close();
    await Promise.all(relays.map((r) => r.stop()));
  }
}

console.log(`relay appends on one Redis: ${WRITERS} writers x window ${WINDOW}, ${SECONDS} s per run, relay processes ${PROCESSES.join(', ')}`);
await waitForQuiet(WAIT_QUIET * 1000);
console.log(machineNote());
const redis = await startRedis();
const dataDir = mkdtempSync(join(tmpdir(), 'bench-redis-appends-'));
const runs: Run[] = [];
try {
  for (const processes of PROCESSES) {
    const r = await run(processes, redis.url, dataDir);
    runs.push(r);
    console.log(`  ${processes} relay process(es): ${fmt(r.appends / (r.ms / 1000), 0)} appends/s`);
  }
} finally {
  await redis.cleanup();
  rmSync(dataDir, { recursive: true, force: true });
}
const rate = (r: Run): number => r.appends / (r.ms / 1000);
const base = runs[0]!;
printTable(
  `Appends through relay processes on one Redis (AOF, appendfsync always): ${WRITERS} writers, window ${WINDOW}, ${SECONDS} s each`,
  ['relay processes', 'appends/s', 'ack ms p50', 'ack ms p99', 'relay CPU (sum)', `vs ${base.processes}`],
  runs.map((r) => [
    String(r.processes),
    fmt(rate(r), 0),
    fmt(median(r.ackMs), 2),
    fmt(percentile(r.ackMs, 99), 2),
    `${fmt((100 * r.relayCpuMs) / r.ms, 0)}%`,
    r === base ? '' : ratio(rate(r), rate(base)),
  ]),
);
const warning = contentionWarning();
if (warning) console.log(`\n${warning}`);
