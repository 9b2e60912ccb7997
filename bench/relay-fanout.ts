/**
 * Fan-out: one writer streams small appends into a chat message at a fixed
 * rate; a hundred readers follow the document. Measures end-to-end latency
 * (the writer's local Y.Doc change -> a reader's Y.Doc has applied it) and
 * server CPU per delivered message, for the Tendril relay beside a plain
 * y-websocket server and a raw `ws` broadcast relay in the same run.
 *
 *   node --import tsx bench/relay-fanout.ts [--rates 20,100,500] [--readers 100]
 *     [--probes 4] [--seconds 5] [--min-writes 250] [--warmup 1]
 *     [--systems tendril,tendril-c0,tendril-mem,yws,raw] [--profile DIR] [--wait-quiet 60]
 *
 * Processes: each server runs alone in a child (its CPU is read from the
 * child itself); `readers - probes` light readers (handshake + subscription,
 * then they only count frames) share a second child; the writer and the
 * `probes` full readers (decrypt + verify + apply for Tendril, apply for
 * y-websocket, read the index for raw) run here and give the latency.
 *
 * Systems: `tendril` = the relay on SQLite (WAL, synchronous=FULL) with the
 * DocSync defaults (writes coalesced for 4 ms); `tendril-c0` = the same with
 * coalesceMs 0; `tendril-mem` = coalesceMs 0 and the relay's in-memory store
 * (no SQLite, no fsync: what durability costs); `tendril-mem-inline` = tendril-mem with
 * each live entry's signature checked inline on the event loop (DocSync verifyLiveOffThread false,
 * not a default system); `yws` = @y/websocket-server + y-websocket; `raw` = ws relay
 * forwarding bytes (the Yjs update prefixed with its index). Relay limits are
 * raised (no rate or per-address caps).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import * as Y from 'yjs';
import { loadCrypto } from '@tendril/crdt-schema/crypto';
import { parseFlags, sleep, waitFor } from './lib/args.ts';
import { TOKEN_CHARS, messageText, startChat } from './lib/chat.ts';
import { cpuMsBetween, libPath, machineBusyMs, selfCpuMs, startChild, type Child } from './lib/child.ts';
import type { LightTarget, SystemKind } from './lib/light-client.ts';
import type { ServerReady, ServerSpec } from './lib/server-child.ts';
import { fmt, ratio, summarize, type LatencySummary } from './lib/stats.ts';
import { contentionWarning, machineNote, printTable, waitForQuiet } from './lib/table.ts';
import { createBenchWorkspace, enrolMember, newDocId, newMember, openDeviceDoc, readGrant } from './lib/tendril.ts';
import { openYwsDoc } from './lib/yws-client.ts';

const flags = parseFlags();
const RATES = flags.numbers('rates', [20, 100, 500]);
const READERS = flags.number('readers', 100);
const PROBES = flags.number('probes', 4);
const SECONDS = flags.number('seconds', 5);
const WARMUP = flags.number('warmup', 1);
const SYSTEMS = flags.strings('systems', ['tendril', 'tendril-c0', 'tendril-mem', 'yws', 'raw']);
/** At least this many measured writes per run, so low rates still give a usable p99. */
const MIN_WRITES = flags.number('min-writes', 250);
/** Write V8 CPU profiles of the server processes into this directory. */
const PROFILE_DIR = flags.string('profile', '');
/** Seconds to wait at the start for the machine's load average to drop below its core count. */
const WAIT_QUIET = flags.number('wait-quiet', 60);
flags.done();
const LIGHT = READERS - PROBES;

interface Variant {
  readonly name: string;
  readonly kind: SystemKind;
  readonly coalesceMs?: number;
  readonly memoryStore?: boolean;
  /** DocSync's verifyLiveOffThread for the writer and probes; undefined keeps the default. */
  readonly verifyLiveOffThread?: boolean;
}
const VARIANTS: Record<string, Variant> = {
  tendril: { name: 'tendril', kind: 'tendril' },
  'tendril-c0': { name: 'tendril-c0', kind: 'tendril', coalesceMs: 0 },
  'tendril-mem': { name: 'tendril-mem', kind: 'tendril', coalesceMs: 0, memoryStore: true },
  'tendril-mem-inline': { name: 'tendril-mem-inline', kind: 'tendril', coalesceMs: 0, memoryStore: true, verifyLiveOffThread: false },
  yws: { name: 'yws', kind: 'yws' },
  raw: { name: 'raw', kind: 'raw' },
};

/** Send times by write index, and the latencies of the writes inside the measured window. */
class Recorder {
  readonly sentAt: number[] = [];
  samples: number[] = [];
  private from = Number.POSITIVE_INFINITY;
  private to = 0;

  window(from: number, to: number): void {
    this.from = from;
    this.to = to;
    this.samples = [];
  }

  /** A probe now holds writes 0..n-1. */
  observe(probe: Probe, n: number): void {
    const now = performance.now();
    for (let i = probe.seen; i < n; i++) if (i >= this.from && i < this.to) this.samples.push(now - this.sentAt[i]!);
    if (n > probe.seen) probe.seen = n;
  }
}

interface Probe {
  seen: number;
}

interface Session {
  readonly probes: readonly Probe[];
  readonly light: LightTarget;
  write(i: number): void;
  /** Frames each light reader should hold once everything written so far arrived; undefined while unknown. */
  lightFramesDue(): number | undefined;
  /** Frames the server sent per write (coalescing makes it < 1). */
  framesPerWrite(): number;
  close(): Promise<void>;
}

const crypto = await loadCrypto();

async function tendrilSession(url: string, v: Variant, rec: Recorder): Promise<Session> {
  const ws = createBenchWorkspace(crypto);
  const doc = newDocId();
  const verify = v.verifyLiveOffThread !== undefined ? { verifyLiveOffThread: v.verifyLiveOffThread } : {};
  const knobs = { ...(v.coalesceMs !== undefined ? { coalesceMs: v.coalesceMs } : {}), ...verify };
  const writer = await openDeviceDoc({ ws, relayUrl: url, identity: ws.admin, doc, register: true, ...knobs });
  const chat = startChat(writer.ydoc, ws.admin.deviceId);
  await writer.sync.whenSynced(30_000);
  const devices = [writer];
  const probes: Probe[] = [];
  for (let p = 0; p < PROBES; p++) {
    const identity = newMember(ws);
    await enrolMember(ws, writer, identity);
    const d = await openDeviceDoc({ ws, relayUrl: url, identity, doc, ...verify });
    await d.sync.whenSynced(30_000);
    const text = messageText(d.ydoc, chat.message);
    if (!text) throw new Error('a probe reader did not receive the message');
    const probe: Probe = { seen: 0 };
    d.ydoc.on('update', () => rec.observe(probe, Math.floor(text.length / TOKEN_CHARS)));
    probes.push(probe);
    devices.push(d);
  }
  const base = writer.sync.cursor;
  let writes = 0;
  return {
    probes,
    light: { kind: 'tendril', url, grant: readGrant(ws, doc) },
    write: (i) => {
      writes++;
      chat.append(i);
    },
    lightFramesDue: () => (writer.sync.unacked === 0 ? writer.sync.cursor - base : undefined),
    framesPerWrite: () => (writer.sync.cursor - base) / Math.max(1, writes),
    close: async () => {
      for (const d of devices) await d.close();
    },
  };
}

async function ywsSession(url: string, rec: Recorder): Promise<Session> {
  const room = `room-${newDocId()}`;
  const writer = await openYwsDoc(url, room);
  const chat = startChat(writer.ydoc, createBenchWorkspace(crypto).admin.deviceId);
  const docs = [writer];
  const probes: Probe[] = [];
  for (let p = 0; p < PROBES; p++) {
    const d = await openYwsDoc(url, room);
    if (!(await waitFor(() => messageText(d.ydoc, chat.message) !== undefined, 10_000))) throw new Error('a y-websocket probe did not receive the message');
    const text = messageText(d.ydoc, chat.message)!;
    const probe: Probe = { seen: 0 };
    d.ydoc.on('update', () => rec.observe(probe, Math.floor(text.length / TOKEN_CHARS)));
    probes.push(probe);
    docs.push(d);
  }
  let writes = 0;
  return {
    probes,
    light: { kind: 'yws', url, room },
    write: (i) => {
      writes++;
      chat.append(i);
    },
    lightFramesDue: () => writes,
    framesPerWrite: () => 1,
    close: async () => {
      for (const d of docs) d.close();
    },
  };
}

function openSocket(url: string): Promise<WebSocket> {
  const socket = new WebSocket(url, { perMessageDeflate: false });
  return new Promise((resolve, reject) => {
    socket.once('open', () => resolve(socket));
    socket.once('error', reject);
  });
}

async function rawSession(url: string, rec: Recorder): Promise<Session> {
  const room = `room-${newDocId()}`;
  const wsUrl = `${url.replace(/^http/, 'ws')}/${room}`;
  const writerSocket = await openSocket(wsUrl);
  const ydoc = new Y.Doc();
  const chat = startChat(ydoc, createBenchWorkspace(crypto).admin.deviceId);
  let current = 0;
  ydoc.on('update', (update: Uint8Array) => {
    const frame = new Uint8Array(4 + update.length);
    new DataView(frame.buffer).setUint32(0, current);
    frame.set(update, 4);
    writerSocket.send(frame);
  });
  const sockets = [writerSocket];
  const probes: Probe[] = [];
  for (let p = 0; p < PROBES; p++) {
    const s = await openSocket(wsUrl);
    const probe: Probe = { seen: 0 };
    s.on('message', (data: Buffer) => rec.observe(probe, data.readUInt32BE(0) + 1));
    probes.push(probe);
    sockets.push(s);
  }
  let writes = 0;
  return {
    probes,
    light: { kind: 'raw', url, room },
    write: (i) => {
      writes++;
      current = i;
      chat.append(i);
    },
    lightFramesDue: () => writes,
    framesPerWrite: () => 1,
    close: async () => {
      for (const s of sockets) s.terminate();
    },
  };
}

/** Writes `count` tokens from index `first` at `rate` per second, catching up in bursts when late. */
async function drive(session: Session, rec: Recorder, rate: number, first: number, count: number): Promise<void> {
  const start = performance.now();
  const interval = 1000 / rate;
  for (let k = 0; k < count; k++) {
    const due = start + k * interval;
    const wait = due - performance.now();
    if (wait >= 1) await sleep(wait);
    rec.sentAt[first + k] = performance.now();
    session.write(first + k);
  }
}

interface RunResult {
  readonly rate: number;
  readonly system: string;
  readonly writes: number;
  readonly latency: LatencySummary;
  readonly delivered: number;
  readonly expected: number;
  readonly relayCpuMs: number;
  readonly wallMs: number;
  readonly readersCpuMs: number;
  readonly mainCpuMs: number;
  readonly framesPerWrite: number;
  readonly notes: string;
  /** CPU used by processes outside this benchmark during the window, % of the machine. */
  readonly foreignPct: number;
}

async function drained(session: Session, readers: Child<unknown>, total: number, timeoutMs: number): Promise<{ ok: boolean; light: number; due: number }> {
  let light = 0;
  let due = 0;
  const ok = await waitFor(
    async () => {
      if (session.probes.some((p) => p.seen < total)) return false;
      const d = session.lightFramesDue();
      if (d === undefined) return false;
      due = d * LIGHT;
      light = await readers.call<number>('received');
      return light >= due;
    },
    timeoutMs,
    20,
  );
  return { ok, light, due };
}

function metricNotes(text: string): string {
  const get = (re: RegExp): number => Number(re.exec(text)?.[1] ?? 0);
  const snapshots = get(/tendril_relay_frames_in_total\{type="SnapshotPut"\} (\d+)/);
  const rejected = [...text.matchAll(/tendril_relay_rejected_frames_total\{reason="(\w+)"\} (\d+)/g)].map((m) => `${m[1]}=${m[2]}`);
  return [`${snapshots} snapshot puts`, ...(rejected.length ? [`rejected ${rejected.join(' ')}`] : [])].join(', ');
}

async function run(variant: Variant, rate: number, readers: Child<unknown>): Promise<RunResult> {
  const dataDir = mkdtempSync(join(tmpdir(), 'bench-fanout-'));
  const spec: ServerSpec = variant.kind === 'tendril' ? { kind: 'tendril', dataDir, ...(variant.memoryStore ? { memoryStore: true } : {}) } : { kind: variant.kind };
  const nodeArgs = PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${join(PROFILE_DIR, `${variant.name}-${rate}`)}`] : [];
  const server = await startChild<ServerReady>(libPath('server-child.ts'), [JSON.stringify(spec)], { nodeArgs });
  const rec = new Recorder();
  const url = server.ready.url;
  const session = variant.kind === 'tendril' ? await tendrilSession(url, variant, rec) : variant.kind === 'yws' ? await ywsSession(url, rec) : await rawSession(url, rec);
  try {
    await readers.call('open', { target: session.light, count: LIGHT });
    const warm = Math.max(1, Math.round(rate * WARMUP));
    const writes = Math.max(MIN_WRITES, Math.round(rate * SECONDS));
    await drive(session, rec, rate, 0, warm);
    const warmed = await drained(session, readers, warm, 30_000);
    if (!warmed.ok) throw new Error(`${variant.name} at ${rate}/s: the warm-up did not drain (${warmed.light}/${warmed.due} light frames)`);
    const framesBefore = session.framesPerWrite() * warm;
    const [s0, r0] = [await server.usage(), await readers.usage()];
    const m0 = selfCpuMs();
    const b0 = machineBusyMs();
    const t0 = performance.now();
    rec.window(warm, warm + writes);
    await drive(session, rec, rate, warm, writes);
    const done = await drained(session, readers, warm + writes, 30_000);
    const t1 = performance.now();
    const [s1, r1] = [await server.usage(), await readers.usage()];
    const m1 = selfCpuMs();
    const b1 = machineBusyMs();
    const ours = cpuMsBetween(s0, s1) + cpuMsBetween(r0, r1) + (m1 - m0);
    const framesPerWrite = (session.framesPerWrite() * (warm + writes) - framesBefore) / writes;
    const notes = variant.kind === 'tendril' ? metricNotes(await server.call<string>('metrics')) : '';
    return {
      rate,
      system: variant.name,
      writes,
      latency: summarize(rec.samples),
      delivered: rec.samples.length,
      expected: writes * PROBES,
      relayCpuMs: cpuMsBetween(s0, s1),
      wallMs: t1 - t0,
      readersCpuMs: cpuMsBetween(r0, r1),
      mainCpuMs: m1 - m0,
      framesPerWrite,
      foreignPct: Math.max(0, (100 * (b1 - b0 - ours)) / ((t1 - t0) * cpus().length)),
      notes: done.ok ? notes : `${notes}; NOT DRAINED (${done.light}/${done.due} light frames)`,
    };
  } finally {
    await readers.call('close');
    await session.close();
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

console.log(`relay fan-out: 1 writer, ${READERS} readers (${PROBES} full + ${LIGHT} light), rates ${RATES.join(', ')} writes/s, ${SECONDS} s measured after ${WARMUP} s warm-up, ${TOKEN_CHARS}-char appends`);
await waitForQuiet(WAIT_QUIET * 1000);
console.log(machineNote());
const readers = await startChild<unknown>(libPath('reader-child.ts'), []);
const results: RunResult[] = [];
try {
  for (const rate of RATES) {
    for (const name of SYSTEMS) {
      const variant = VARIANTS[name];
      if (!variant) throw new Error(`unknown system ${name}; known: ${Object.keys(VARIANTS).join(', ')}`);
      const r = await run(variant, rate, readers);
      results.push(r);
      console.log(
        `  ${name} @ ${rate}/s: p50 ${fmt(r.latency.p50, 2)} ms, p99 ${fmt(r.latency.p99, 2)} ms, relay ${fmt((r.relayCpuMs * 1000) / (r.writes * READERS), 2)} us/delivery, other processes ${fmt(r.foreignPct, 0)}% ${r.notes}`,
      );
    }
  }
} finally {
  await readers.stop();
}

const perDelivery = (r: RunResult): number => (r.relayCpuMs * 1000) / (r.writes * READERS);
printTable(
  `Fan-out, 1 writer -> ${READERS} readers (${PROBES} full), ${SECONDS} s per run`,
  ['writes/s', 'system', 'p50 ms', 'p99 ms', 'max ms', 'relay CPU', 'relay us/delivery', 'frames/write', 'readers proc CPU', 'writer+probes CPU', 'delivered', 'other procs CPU', 'notes'],
  results.map((r) => [
    String(r.rate),
    r.system,
    fmt(r.latency.p50, 2),
    fmt(r.latency.p99, 2),
    fmt(r.latency.max, 1),
    `${fmt((100 * r.relayCpuMs) / r.wallMs, 0)}%`,
    fmt(perDelivery(r), 2),
    fmt(r.framesPerWrite, 2),
    `${fmt((100 * r.readersCpuMs) / r.wallMs, 0)}%`,
    `${fmt((100 * r.mainCpuMs) / r.wallMs, 0)}%`,
    `${r.delivered}/${r.expected}`,
    `${fmt(r.foreignPct, 0)}%`,
    r.notes,
  ]),
);

const find = (rate: number, system: string): RunResult | undefined => results.find((r) => r.rate === rate && r.system === system);
printTable(
  'Fan-out ratios (targets: tendril p50 <= 1.5x yws; tendril relay CPU per delivery <= 1.3x raw)',
  ['writes/s', 'p50 tendril/yws', 'p99 tendril/yws', 'p50 tendril-c0/yws', 'p50 tendril-mem/yws', 'CPU/delivery tendril/raw', 'CPU/delivery tendril-c0/raw', 'CPU/delivery yws/raw'],
  RATES.map((rate) => {
    const [t, c0, mem, y, w] = [find(rate, 'tendril'), find(rate, 'tendril-c0'), find(rate, 'tendril-mem'), find(rate, 'yws'), find(rate, 'raw')];
    return [
      String(rate),
      ratio(t?.latency.p50, y?.latency.p50),
      ratio(t?.latency.p99, y?.latency.p99),
      ratio(c0?.latency.p50, y?.latency.p50),
      ratio(mem?.latency.p50, y?.latency.p50),
      ratio(t && perDelivery(t), w && perDelivery(w)),
      ratio(c0 && perDelivery(c0), w && perDelivery(w)),
      ratio(y && perDelivery(y), w && perDelivery(w)),
    ];
  }),
);
const warning = contentionWarning();
if (warning) console.log(`\n${warning}`);
