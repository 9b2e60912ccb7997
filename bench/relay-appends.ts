/**
 * Durable appends: how many envelopes per second the relay's SQLite store
 * makes durable (WAL, synchronous=FULL: an fsync per commit). Group commit
 * puts every append that arrives in one event-loop turn into one transaction;
 * the baseline is the same store with `maxBatch: 1`, i.e. one transaction
 * (and one fsync) per append, in the same run.
 *
 * 1. The store alone (openSqliteStore in this process): bursts of N
 *    concurrent appends to one document, awaited together, for a fixed time.
 * 2. End to end: W writers (own device, own document each) send pre-sealed
 *    ~220-byte envelopes through the relay (child process) with up to
 *    `window` unacknowledged frames each; the relay verifies each signature,
 *    commits, and acks after the commit. Appends/s = acks per second.
 *
 *   node --import tsx bench/relay-appends.ts [--bursts 1,16,128,1024] [--writers 1,4,16]
 *     [--window 64] [--seconds 2] [--pool 12000] [--wait-quiet 60]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadCrypto } from '@tendril/crdt-schema/crypto';
import { newDocId, newWorkspaceId, type DocId } from '@tendril/crdt-schema/ids';
import { openSqliteStore, type RelayStore } from '@tendril/sync-server';
import { parseFlags, waitFor } from './lib/args.ts';
import { cpuMsBetween, libPath, machineBusyMs, selfCpuMs, startChild } from './lib/child.ts';
import type { ServerReady, ServerSpec } from './lib/server-child.ts';
import { fmt, median, percentile, ratio } from './lib/stats.ts';
import { contentionWarning, machineNote, printTable, waitForQuiet } from './lib/table.ts';
import { createBenchWorkspace, newMember } from './lib/tendril.ts';
import { openRawWriter, sealMany } from './lib/raw-writer.ts';

const flags = parseFlags();
const BURSTS = flags.numbers('bursts', [1, 16, 128, 1024]);
const WRITERS = flags.numbers('writers', [1, 4, 16]);
const WINDOW = flags.number('window', 64);
const SECONDS = flags.number('seconds', 2);
/** Envelopes sealed per end-to-end run (a run also stops at `seconds`). */
const POOL = flags.number('pool', 12_000);
const WAIT_QUIET = flags.number('wait-quiet', 60);
flags.done();

const crypto = await loadCrypto();
const ENVELOPE_BYTES = 220;
console.log(`relay appends: store bursts ${BURSTS.join(', ')}; end to end ${WRITERS.join(', ')} writers x window ${WINDOW}; ${SECONDS} s per run`);
await waitForQuiet(WAIT_QUIET * 1000);
console.log(machineNote());

// ---- 1. the store alone --------------------------------------------------------------

interface StoreRun {
  readonly burst: number;
  readonly store: string;
  readonly appends: number;
  readonly ms: number;
  readonly burstMs: number[];
}

async function storeRun(name: string, burst: number, maxBatch: number | undefined): Promise<StoreRun> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-appends-'));
  const store: RelayStore = openSqliteStore({ path: join(dir, 'relay.sqlite'), ...(maxBatch !== undefined ? { maxBatch } : {}) });
  try {
    const workspace = newWorkspaceId();
    const doc = newDocId();
    await store.createWorkspace(workspace, [crypto.randomBytes(32)], Date.now());
    await store.createDoc({ doc, workspace, writeKey: crypto.randomBytes(32), readKey: crypto.randomBytes(32) });
    const author = crypto.randomBytes(32);
    const envelope = crypto.randomBytes(ENVELOPE_BYTES);
    let counter = 0;
    const burstMs: number[] = [];
    const t0 = performance.now();
    while (performance.now() - t0 < SECONDS * 1000) {
      const b0 = performance.now();
      await Promise.all(Array.from({ length: burst }, () => store.append(doc, { author, counter: ++counter, envelope })));
      burstMs.push(performance.now() - b0);
    }
    const ms = performance.now() - t0;
    if ((await store.head(doc)) !== counter) throw new Error('the store lost appends');
    return { burst, store: name, appends: counter, ms, burstMs };
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const storeRuns: StoreRun[] = [];
for (const burst of BURSTS) {
  for (const [name, maxBatch] of [
    ['group commit', undefined],
    ['one tx per append', 1],
  ] as const) {
    const r = await storeRun(name, burst, maxBatch);
    storeRuns.push(r);
    console.log(`  store ${name}, burst ${burst}: ${fmt(r.appends / (r.ms / 1000), 0)} appends/s`);
  }
}

// ---- 2. end to end --------------------------------------------------------------------

interface E2eRun {
  readonly writers: number;
  readonly store: string;
  readonly appends: number;
  readonly ms: number;
  readonly relayCpuMs: number;
  readonly ackMs: number[];
  /** CPU used by processes outside this benchmark during the run, % of the machine. */
  readonly foreignPct: number;
}

const ws = createBenchWorkspace(crypto);
const maxWriters = Math.max(...WRITERS);
const devices = Array.from({ length: maxWriters }, (_, i) => (i === 0 ? ws.admin : newMember(ws)));
const docs: DocId[] = devices.map(() => newDocId());
/** Writer w takes part in every run with more than w writers; its pool covers the largest share it gets. */
const poolSize = (w: number): number => Math.floor(POOL / Math.min(...WRITERS.filter((n) => n > w)));
const sealT0 = performance.now();
const pools = devices.map((d, i) => sealMany(ws, d, docs[i]!, poolSize(i), 40));
console.log(`  sealed ${pools.reduce((n, p) => n + p.length, 0)} envelopes of ${pools[0]![0]!.length} bytes in ${fmt((performance.now() - sealT0) / 1000, 1)} s`);

async function e2eRun(writers: number, name: string, maxBatch: number | undefined): Promise<E2eRun> {
  const dataDir = mkdtempSync(join(tmpdir(), 'bench-appends-e2e-'));
  const spec: ServerSpec = { kind: 'tendril', dataDir, ...(maxBatch !== undefined ? { maxBatch } : {}) };
  const relay = await startChild<ServerReady>(libPath('server-child.ts'), [JSON.stringify(spec)]);
  const clients = [];
  try {
    for (let w = 0; w < writers; w++) clients.push(await openRawWriter({ url: relay.ready.url, ws, identity: devices[w]!, doc: docs[w]!, register: w === 0, ...(w === 0 && { enrol: devices.slice(1, writers) }) }));
    const budget = Math.floor(POOL / writers);
    const ackMs: number[] = [];
    let acked = 0;
    let sent = 0;
    let stopAt = Number.POSITIVE_INFINITY;
    const s0 = await relay.usage();
    const [m0, b0] = [selfCpuMs(), machineBusyMs()];
    const t0 = performance.now();
    stopAt = t0 + SECONDS * 1000;
    clients.forEach((c, w) => {
      const pool = pools[w]!;
      const sentAt: number[] = [];
      let next = 0;
      let countAcked = 0;
      const pump = (): void => {
        while (next < budget && next - countAcked < WINDOW && performance.now() < stopAt) {
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
    await waitFor(() => performance.now() >= stopAt || acked >= budget * writers, SECONDS * 1000 + 1000, 5);
    await waitFor(() => acked >= sent, 60_000, 5);
    const ms = performance.now() - t0;
    const s1 = await relay.usage();
    const ours = cpuMsBetween(s0, s1) + selfCpuMs() - m0;
    const foreignPct = Math.max(0, (100 * (machineBusyMs() - b0 - ours)) / (ms * cpus().length));
    return { writers, store: name, appends: acked, ms, relayCpuMs: cpuMsBetween(s0, s1), ackMs, foreignPct };
  } finally {
    for (const c of clients) c.close();
    await relay.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

const e2eRuns: E2eRun[] = [];
for (const writers of WRITERS) {
  for (const [name, maxBatch] of [
    ['group commit', undefined],
    ['one tx per append', 1],
  ] as const) {
    const r = await e2eRun(writers, name, maxBatch);
    e2eRuns.push(r);
    console.log(`  relay ${name}, ${writers} writers: ${fmt(r.appends / (r.ms / 1000), 0)} appends/s`);
  }
}

// ---- report ---------------------------------------------------------------------------

const rate = (n: number, ms: number): number => n / (ms / 1000);
printTable(
  `RelayStore (SQLite, WAL, synchronous=FULL): bursts of concurrent appends, ${SECONDS} s each, ${ENVELOPE_BYTES}-byte envelopes`,
  ['burst', 'store', 'appends/s', 'burst ms p50', 'burst ms p99', 'group / one-tx'],
  storeRuns.map((r) => {
    const naive = storeRuns.find((x) => x.burst === r.burst && x.store === 'one tx per append')!;
    return [
      String(r.burst),
      r.store,
      fmt(rate(r.appends, r.ms), 0),
      fmt(median(r.burstMs), 2),
      fmt(percentile(r.burstMs, 99), 2),
      r === naive ? '' : ratio(rate(r.appends, r.ms), rate(naive.appends, naive.ms)),
    ];
  }),
);
printTable(
  `End to end through the relay (child process): W writers, window ${WINDOW}, ${SECONDS} s each`,
  ['writers', 'store', 'appends/s', 'ack ms p50', 'ack ms p99', 'relay CPU', 'relay us/append', 'group / one-tx', 'other procs CPU'],
  e2eRuns.map((r) => {
    const naive = e2eRuns.find((x) => x.writers === r.writers && x.store === 'one tx per append')!;
    return [
      String(r.writers),
      r.store,
      fmt(rate(r.appends, r.ms), 0),
      fmt(median(r.ackMs), 2),
      fmt(percentile(r.ackMs, 99), 2),
      `${fmt((100 * r.relayCpuMs) / r.ms, 0)}%`,
      fmt((r.relayCpuMs * 1000) / r.appends, 0),
      r === naive ? '' : ratio(rate(r.appends, r.ms), rate(naive.appends, naive.ms)),
      `${fmt(r.foreignPct, 0)}%`,
    ];
  }),
);
const warning = contentionWarning();
if (warning) console.log(`\n${warning}`);
