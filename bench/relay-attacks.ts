/**
 * Strangers against a public relay: the real relay (SQLite, default limits)
 * in its own process on loopback, attacked in two bounded phases while an
 * honest client measures append->ack and catch-up latency.
 *
 * - preauth: partial frames before any hello. Sockets from 127.0.0.2..9 each
 *   announce a large frame and send its payload in 64 KiB pieces; a socket
 *   the relay drops is replaced, for `--attack-seconds`.
 * - slow: authenticated readers (a workspace the attacker registered itself,
 *   with a document of large entries) subscribe from cursor 0 and stop
 *   reading, for `--attack-seconds`.
 *
 * Reports relay RSS before, at its peak during, and after each attack (after
 * a full GC), the relay's own pre-auth and catch-up memory gauges, and the
 * honest p50/p99 at baseline and during each attack with the ratio.
 *
 * With `--pin 1` (the default on two or more cores) the attacker runs alone on
 * CPU 1 and the relay and the honest client on CPU 0: on the internet the
 * attacker's CPU (and its kernel's sending work) is not the relay machine's.
 * `--pin 0` lets all three share every core (the attacker at nice 19).
 *
 *   node --import tsx bench/relay-attacks.ts [--preauth-sockets 512] [--readers 64] [--attack-seconds 15]
 *     [--big-entries 192] [--big-entry-kib 256] [--appends 1000] [--catchups 20] [--wait-quiet 30]
 *     [--pin 1] [--connect-rate N] [--connect-burst N] [--profile DIR]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { newWorkspaceId, type DocId, type WorkspaceId } from '@tendril/crdt-schema/ids';
import { CapMode, FrameType } from '@tendril/crdt-schema/wire';
import { DEFAULT_LIMITS } from '@tendril/sync-server';
import { makeEnvelope } from '../sync-server/src/testing/envelopes.ts';
import { testKey, type TestCaps, type TestKey } from '../sync-server/src/testing/keys.ts';
import { parseFlags, sleep } from './lib/args.ts';
import type { PreAuthAttack, PreAuthStats, SlowSetup } from './lib/attack-child.ts';
import { cpuMsBetween, libPath, pinToCpus, startChild, type Child } from './lib/child.ts';
import { createDoc, fill, member, type Member } from './lib/relay-peers.ts';
import type { ServerReady, ServerSpec } from './lib/server-child.ts';
import { fmt, fmtBytes, ratio, summarize, withinFactor, type LatencySummary } from './lib/stats.ts';
import { contentionWarning, machineNote, printTable, waitForQuiet } from './lib/table.ts';

const flags = parseFlags();
const PREAUTH_SOCKETS = flags.number('preauth-sockets', 512);
const READERS = flags.number('readers', 64);
const ATTACK_S = flags.number('attack-seconds', 15);
const BIG_ENTRIES = flags.number('big-entries', 192);
const BIG_ENTRY_KIB = flags.number('big-entry-kib', 256);
const APPENDS = flags.number('appends', 1000);
const CATCHUPS = flags.number('catchups', 20);
const WAIT_QUIET = flags.number('wait-quiet', 30);
/** Write a V8 CPU profile of the relay process into this directory. */
const PROFILE_DIR = flags.string('profile', '');
const PIN = flags.number('pin', cpus().length >= 2 ? 1 : 0) === 1;
/** The relay's new-connection budget per address (default: the relay's defaults). */
const CONNECT_RATE = flags.number('connect-rate', DEFAULT_LIMITS.connectsPerSecondPerIp);
const CONNECT_BURST = flags.number('connect-burst', DEFAULT_LIMITS.connectBurstPerIp);
flags.done();
if (PIN) pinToCpus(process.pid, '0');

const ATTACKER_ADDRESSES = Array.from({ length: 8 }, (_, i) => `127.0.0.${i + 2}`);
const KiB = 1024;
const L = DEFAULT_LIMITS;
/**
 * What the default limits let each attack make the relay hold, in the bytes
 * it tracks (its gauges): pre-auth bytes are capped in total; a slow reader
 * holds at most one catch-up page (catchUpPageBytes plus one entry) and a
 * socket queue up to the high-water mark plus one frame. The RSS bound is
 * twice that plus per-connection overhead, for copies not yet collected.
 */
const PREAUTH_TRACKED_BOUND = L.maxPreAuthBytesTotal;
const PREAUTH_RSS_BOUND = 2 * PREAUTH_TRACKED_BOUND + L.maxPreAuthConnections * 32 * KiB;
const SLOW_TRACKED_BOUND = READERS * (L.catchUpPageBytes + Math.floor(L.maxBufferedBytes / 4) + 2 * BIG_ENTRY_KIB * KiB);
const SLOW_RSS_BOUND = 2 * SLOW_TRACKED_BOUND + READERS * 32 * KiB;

interface Honest {
  readonly append: LatencySummary;
  readonly catchUp: LatencySummary;
}

/** The honest client: sequential append->ack on one document, then fresh catch-ups of another. */
async function measureHonest(url: string, h: { workspace: WorkspaceId; device: TestKey; writer: Member; small: DocId; medium: { doc: DocId; caps: TestCaps } }, counter: { next: number }): Promise<Honest> {
  const append: number[] = [];
  for (let i = 0; i < APPENDS; i++) {
    const ref = counter.next++;
    const t0 = performance.now();
    h.writer.client.send({ type: FrameType.Envelope, doc: h.small, ref, envelope: makeEnvelope({ doc: h.small, author: h.device, counter: ref, size: KiB }) });
    await h.writer.client.next((f) => (f.type === FrameType.Ack || f.type === FrameType.Error) && 'ref' in f && f.ref === ref, 30_000);
    append.push(performance.now() - t0);
    h.writer.client.inbox.length = 0;
    h.writer.client.received.length = 0;
    if (i % 20 === 19) await sleep(100);
  }
  const catchUp: number[] = [];
  for (let i = 0; i < CATCHUPS; i++) {
    const reader = await member(url, h.workspace, h.device);
    const t0 = performance.now();
    reader.client.sendSubscribe(h.medium.doc, h.medium.caps, CapMode.Read, 0);
    await reader.client.catchUp(h.medium.doc, 60_000);
    catchUp.push(performance.now() - t0);
    await reader.client.close();
  }
  return { append: summarize(append), catchUp: summarize(catchUp) };
}

/** Samples the relay's RSS and gauges every 200 ms until stopped; keeps the peaks. */
function sampler(server: Child<ServerReady>): { stop(): Promise<{ rss: number; gauges: Record<string, number> }> } {
  let running = true;
  let rss = 0;
  const gauges: Record<string, number> = {};
  const names = ['tendril_relay_preauth_connections', 'tendril_relay_preauth_bytes', 'tendril_relay_catchup_bytes', 'tendril_relay_buffered_bytes', 'tendril_relay_catchups_waiting'];
  const loop = (async () => {
    while (running) {
      rss = Math.max(rss, (await server.usage(false)).rss);
      const text = await server.call<string>('metrics');
      for (const name of names) {
        const m = new RegExp(`^${name} (\\S+)$`, 'm').exec(text);
        if (m) gauges[name] = Math.max(gauges[name] ?? 0, Number(m[1]));
      }
      await sleep(200);
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return { rss, gauges };
    },
  };
}

interface PhaseResult {
  readonly name: string;
  readonly rssBefore: number;
  readonly rssPeak: number;
  readonly rssAfter: number;
  readonly gauges: Record<string, number>;
  readonly honest: Honest;
  readonly note: string;
  readonly trackedPeak: number;
  readonly trackedBound: number;
  readonly rssBound: number;
  /** Relay and attacker CPU over the attack, as a share of one core. */
  readonly relayCpu: number;
  readonly attackerCpu: number;
}

const dataDir = mkdtempSync(join(tmpdir(), 'bench-attacks-'));
const spec: ServerSpec = { kind: 'tendril', dataDir, limits: { ...DEFAULT_LIMITS, connectBurstPerIp: CONNECT_BURST, connectsPerSecondPerIp: CONNECT_RATE } };
const server = await startChild<ServerReady>(libPath('server-child.ts'), [JSON.stringify(spec)], { nodeArgs: ['--expose-gc', ...(PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${PROFILE_DIR}`] : [])], ...(PIN ? { cpus: '0' } : {}) });
const { url } = server.ready;
let attacker: Child<unknown> | undefined;
try {
  console.log(`relay attacks: ${PREAUTH_SOCKETS} pre-auth sockets, ${READERS} slow readers of ${BIG_ENTRIES} x ${BIG_ENTRY_KIB} KiB entries, ${ATTACK_S} s each, from ${ATTACKER_ADDRESSES.length} addresses; ${PIN ? "attacker on CPU 1, relay and honest client on CPU 0" : "no CPU pinning (attacker at nice 19)"}`);
  await waitForQuiet(WAIT_QUIET * 1000);
  console.log(machineNote());

  // The honest workspace: a writer, a document it appends to, and a document of 200 x 1 KiB entries to catch up on.
  const workspace = newWorkspaceId();
  const device = testKey();
  const writer = await member(url, workspace, device, [device]);
  const small = (await createDoc(writer)).doc;
  const medium = await createDoc(writer);
  await fill(writer, medium.doc, 1, 200, KiB);
  const honestSetup = { workspace, device, writer, small, medium };
  const counter = { next: 1 };

  // The attacker, in its own process: its own workspace (open registration) with a document of large entries.
  // At the lowest priority: on the internet an attacker's CPU is its own; on this 2-core machine it would
  // otherwise take CPU from the relay and the honest client, and the figures would measure the machine.
  attacker = await startChild<unknown>(libPath('attack-child.ts'), [], { niceness: 19, ...(PIN ? { cpus: '1' } : {}) });
  const slowSetup: SlowSetup = { url, devices: Math.ceil(READERS / 8), entries: BIG_ENTRIES, entryBytes: BIG_ENTRY_KIB * KiB, addresses: ATTACKER_ADDRESSES };
  await attacker.call('setup', slowSetup, 600_000);

  await measureHonest(url, honestSetup, counter); // warm-up
  const rest = (await server.usage(true)).rss;
  const baseline = await measureHonest(url, honestSetup, counter);
  console.log(`  baseline: append p99 ${fmt(baseline.append.p99, 2)} ms, catch-up p99 ${fmt(baseline.catchUp.p99, 1)} ms, RSS ${fmtBytes(rest)}`);

  const phases: PhaseResult[] = [];
  {
    const rssBefore = (await server.usage(true)).rss;
    const cpu0 = await server.usage(false);
    const a0 = await attacker.usage(false);
    const t0 = performance.now();
    const s = sampler(server);
    const attack = attacker.call<PreAuthStats>('preauth', { url, sockets: PREAUTH_SOCKETS, addresses: ATTACKER_ADDRESSES, seconds: ATTACK_S } satisfies PreAuthAttack, ATTACK_S * 1000 + 120_000);
    await sleep(Math.min(3000, (ATTACK_S * 1000) / 4));
    const honest = await measureHonest(url, honestSetup, counter);
    const stats = await attack;
    const relayCpu = cpuMsBetween(cpu0, await server.usage(false)) / (performance.now() - t0);
    const attackerCpu = cpuMsBetween(a0, await attacker.usage(false)) / (performance.now() - t0);
    const { rss, gauges } = await s.stop();
    await sleep(2000);
    const rssAfter = (await server.usage(true)).rss;
    const note = `${stats.opened} sockets opened, ${stats.dropped} dropped by the relay, ${fmtBytes(stats.sent)} sent`;
    const trackedPeak = gauges.tendril_relay_preauth_bytes ?? 0;
    phases.push({ name: 'pre-auth partial frames', rssBefore, rssPeak: rss, rssAfter, gauges, honest, note, trackedPeak, trackedBound: PREAUTH_TRACKED_BOUND, rssBound: PREAUTH_RSS_BOUND, relayCpu, attackerCpu });
    console.log(`  pre-auth: ${note}`);
  }
  {
    const rssBefore = (await server.usage(true)).rss;
    const cpu0 = await server.usage(false);
    const a0 = await attacker.usage(false);
    const t0 = performance.now();
    const s = sampler(server);
    await attacker.call('openReaders', { count: READERS }, 120_000);
    const until = Date.now() + ATTACK_S * 1000;
    await sleep(Math.min(3000, (ATTACK_S * 1000) / 4));
    const honest = await measureHonest(url, honestSetup, counter);
    await sleep(Math.max(0, until - Date.now()));
    const relayCpu = cpuMsBetween(cpu0, await server.usage(false)) / (performance.now() - t0);
    const attackerCpu = cpuMsBetween(a0, await attacker.usage(false)) / (performance.now() - t0);
    const { rss, gauges } = await s.stop();
    const open = await attacker.call<number>('closeReaders');
    await sleep(2000);
    const rssAfter = (await server.usage(true)).rss;
    const note = `${READERS} readers subscribed and stopped reading; ${open} still connected at the end`;
    const trackedPeak = (gauges.tendril_relay_catchup_bytes ?? 0) + (gauges.tendril_relay_buffered_bytes ?? 0);
    phases.push({ name: 'slow catch-up readers', rssBefore, rssPeak: rss, rssAfter, gauges, honest, note, trackedPeak, trackedBound: SLOW_TRACKED_BOUND, rssBound: SLOW_RSS_BOUND, relayCpu, attackerCpu });
    console.log(`  slow readers: ${note}`);
  }

  printTable(
    'Relay memory under attack (tracked = pre-auth bytes, or catch-up page bytes + bytes queued to sockets, at their sampled peaks)',
    ['attack', 'RSS before', 'RSS peak during', 'RSS after (GC)', 'RSS added at peak', 'RSS bound', 'tracked peak', 'tracked bound', 'within both', 'relay CPU', 'attacker CPU'],
    phases.map((p) => [
      p.name,
      fmtBytes(p.rssBefore),
      fmtBytes(p.rssPeak),
      fmtBytes(p.rssAfter),
      fmtBytes(p.rssPeak - p.rssBefore),
      fmtBytes(p.rssBound),
      fmtBytes(p.trackedPeak),
      fmtBytes(p.trackedBound),
      p.rssPeak - p.rssBefore <= p.rssBound && p.trackedPeak <= p.trackedBound ? 'yes' : 'NO',
      `${fmt(p.relayCpu * 100, 0)}% of a core`,
      `${fmt(p.attackerCpu * 100, 0)}% of a core`,
    ]),
  );
  const row = (name: string, h: Honest): string[] => [
    name,
    fmt(h.append.p50, 2),
    fmt(h.append.p99, 2),
    ratio(h.append.p99, baseline.append.p99),
    fmt(h.catchUp.p50, 1),
    fmt(h.catchUp.p99, 1),
    ratio(h.catchUp.p99, baseline.catchUp.p99),
    withinFactor(h.append.p99, baseline.append.p99, 2) && withinFactor(h.catchUp.p99, baseline.catchUp.p99, 2) ? 'yes' : 'NO',
  ];
  printTable(
    `Honest client (goal: p99 within 2x of baseline); ${APPENDS} sequential appends of 1 KiB, ${CATCHUPS} catch-ups of 200 x 1 KiB`,
    ['phase', 'append->ack p50 ms', 'p99 ms', 'p99 vs baseline', 'catch-up p50 ms', 'p99 ms', 'p99 vs baseline', 'within 2x'],
    [row('baseline', baseline), ...phases.map((p) => row(`during ${p.name}`, p.honest))],
  );
  await writer.client.close();
} finally {
  await attacker?.stop();
  await server.stop();
  rmSync(dataDir, { recursive: true, force: true });
}
const warning = contentionWarning();
if (warning) console.log(`\n${warning}`);
