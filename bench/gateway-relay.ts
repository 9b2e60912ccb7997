/**
 * Gateway terminal sessions end to end through a real relay, against raw
 * node-pty in the same run. The relay runs in its own process (SQLite in a
 * temp data dir); the workspace is made with the real CLI; the gateway is an
 * in-process GatewayPeer with a real SessionManager (node-pty, the headless
 * mirror in its worker thread); viewers are ViewerCores on their own
 * WorkspaceSessions, so every frame is sealed, sent through the relay and
 * opened again on the other side:
 *   - keystroke echo: ViewerCore.send of one character -> the echoed byte
 *     reaches that viewer's Screen.write (viewer -> relay -> gateway -> PTY ->
 *     gateway -> relay -> viewer), vs raw node-pty write -> onData
 *   - output throughput: a command's output until the viewer has handed all of
 *     it to its Screen (a Screen that parses nothing), vs raw node-pty. This
 *     viewer runs in its own process (bench/gateway-viewer-child.ts, the
 *     writer's device), as a remote device's viewer does: in the gateway's
 *     process its receiving and opening ran on the event loop that reads the
 *     PTY, whose kernel buffer holds only about 64 KiB, so the shell waited on
 *     the viewer's work, which no gateway in use ever does. Its CPU is printed
 *     apart ("viewer process"); the gateway process's figure is the gateway
 *     and its mirror thread alone. `--viewer here` puts it back in the
 *     gateway's process (the layout of the figures before 2026-12-07 22:00 UTC).
 *   - late joiner: a session whose screen has 1,000 lines of scrollback; a new
 *     device opens it and draws it into a headless xterm: time from open() to
 *     the last line on screen, and the size of the snapshot in the session document
 * Beside the echo, a sealed stream frame's round trip between two devices
 * through the relay (no gateway, no PTY) shows what the hops alone cost.
 * The harness looks for each run's end marker in the last 64 bytes of every
 * write on both paths (bench/gateway-measure.ts outputTail), so watching the
 * output costs the same per write whatever the batch size.
 * Throughput runs twice: against a relay with its default limits (200 stream
 * frames/s per connection), and against a second relay whose stream limit is
 * raised (--stream-per-second), which measures the path itself.
 * Usage: node --import tsx bench/gateway-relay.ts [--rounds 300] [--runs 3] [--joins 8] [--stream-per-second 100000] [--viewer child|here]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { gunzipSync } from 'node:zlib';
import pty from 'node-pty';
import type { SessionId } from '@tendril/crdt-schema/ids';
import { Scope } from '@tendril/crdt-schema/keyring';
import { terminalDoc } from '@tendril/crdt-schema/schema';
import type { WorkspaceSession } from '@tendril/crdt-schema/workspace';
import { createPtyHost, decodeSnapshot, GatewayPeer, HeadlessScreen, SessionManager, ViewerCore, type Screen } from '@tendril/gateway';
import { DEFAULT_LIMITS } from '@tendril/sync-server';
import { openHome } from '../workers/src/home/device-home.ts';
import { openNodeSession } from '../workers/src/peer/node-peer.ts';
import { cliOk } from '../workers/test/harness.ts';
import { makeWorkspace, type Workspace } from '../workers/test/peers.ts';
import { echoLatency, outputTail, rawShell, SCROLLBACK_SCREENS, shellEnv, TapScreen, throughput } from './gateway-measure.ts';
import { parseFlags, sleep, waitFor } from './lib/args.ts';
import { cpuMsBetween, libPath, selfCpuMs, startChild, type Child } from './lib/child.ts';
import type { ServerReady, ServerSpec } from './lib/server-child.ts';
import { fmt, median, percentile } from './lib/stats.ts';
import { contentionWarning, machineNote, printTable } from './lib/table.ts';

const flags = parseFlags();
const ROUNDS = flags.number('rounds', 300);
const RUNS = flags.number('runs', 3);
const JOINS = flags.number('joins', 8);
const RAISED_STREAM_LIMIT = flags.number('stream-per-second', 100_000);
const VIEWER = flags.string('viewer', 'child');
if (VIEWER !== 'child' && VIEWER !== 'here') throw new Error(`--viewer is child or here, got ${VIEWER}`);
flags.done();

const WORKLOADS = [
  ['seq 1 2000000', 'seq'],
  ['base64 -w 100 /dev/urandom | head -c 20000000', 'base64'],
] as const;

/** A headless xterm that notes when `text` first shows on its screen. */
class WatchScreen implements Screen {
  screen = new HeadlessScreen({ cols: 80, rows: 24, scrollback: 1000 });
  shownAt: number | null = null;
  constructor(private readonly text: string) {}
  async write(bytes: Uint8Array): Promise<void> {
    await this.screen.write(bytes);
    if (this.shownAt === null && this.screen.screenText().includes(this.text)) this.shownAt = performance.now();
  }
  reset(cols: number, rows: number): void {
    this.screen.dispose();
    this.screen = new HeadlessScreen({ cols, rows, scrollback: 1000 });
  }
  resize(cols: number, rows: number): void {
    this.screen.resize({ cols, rows });
  }
}

const gunzip = async (gzip: Uint8Array): Promise<Uint8Array> => new Uint8Array(gunzipSync(gzip));
const ms = (n: number): string => `${fmt(n, 2)} ms`;
const signed = (n: number): string => `${n >= 0 ? '+' : '−'}${ms(Math.abs(n))}`;
const met = (ok: boolean): string => (ok ? 'yes' : 'no');

async function until(check: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  if (!(await waitFor(check, timeoutMs, 20))) throw new Error(`timed out waiting for ${what}`);
}

/** Error frames the relay sent, by code, from its /metrics text. */
async function rejectedFrames(relay: Child<ServerReady>): Promise<Record<string, number>> {
  const text = await relay.call<string>('metrics');
  const out: Record<string, number> = {};
  for (const m of text.matchAll(/^tendril_relay_rejected_frames_total\{reason="([^"]+)"\} (\d+)/gm)) out[m[1]!] = Number(m[2]);
  return out;
}

interface Bed {
  readonly relay: Child<ServerReady>;
  readonly ws: Workspace;
  readonly gateway: GatewayPeer;
  readonly sessions: WorkspaceSession[];
  /** Closed while the throughput viewer's process holds the writer's home (childViewer), then opened again. */
  writer: WorkspaceSession;
  /** The relay's stream frame limit per connection. */
  readonly streamLimit: number;
  /** Terminal sessions started through the CLI, by purpose. */
  readonly ids: { echo: SessionId; flood: SessionId; scroll: SessionId };
}

/**
 * Relay process (stream limit `streamLimit`, default limits otherwise, per-address and frame caps
 * aside), workspace (admin = the writer, JOINS devices for the late joiners and one for the ping),
 * gateway, three sessions.
 */
async function setUp(dir: string, streamLimit: number): Promise<Bed> {
  const limits = { streamPerSecond: streamLimit, streamBurst: streamLimit * (DEFAULT_LIMITS.streamBurst / DEFAULT_LIMITS.streamPerSecond) };
  const spec: ServerSpec = { kind: 'tendril', dataDir: join(dir, 'relay'), limits };
  const relay = await startChild<ServerReady>(libPath('server-child.ts'), [JSON.stringify(spec)]);
  const ws = await makeWorkspace(dir, relay.ready.url, JOINS + 1);
  const gwHome = join(dir, 'gw');
  await cliOk('join', '--home', gwHome, (await cliOk('invite', '--home', ws.homes[0]!, '--role', 'gateway')).last, '--name', 'gw');
  const gwSession = await openNodeSession(ws.crypto, openHome(ws.crypto, gwHome), { clientName: 'gateway' });
  const env = shellEnv();
  // The `tendril gateway` command's settings without tmux (snapshots every 10 s of new output, or every MiB).
  const gateway = new GatewayPeer({
    crypto: ws.crypto,
    session: gwSession,
    name: 'gw',
    cwd: '/tmp',
    shell: '/bin/sh',
    manager: (gate) =>
      new SessionManager({
        host: createPtyHost({ spawn: (file, args, o) => pty.spawn(file, args, o), tmux: null }),
        env,
        shell: '/bin/sh',
        gate,
        tuning: { idleAfterMs: 300_000, mirror: { periodic: { everyMs: 10_000 } } },
      }),
  });
  await gateway.start();
  await gwSession.syncOrQueue(15_000);
  const term = async (): Promise<SessionId> => (await cliOk('term', 'new', '--home', ws.homes[0]!, '--gateway', 'gw')).last as SessionId;
  const ids = { echo: await term(), flood: await term(), scroll: await term() };
  const writer = await ws.open(0);
  await writer.syncOrQueue(15_000);
  await until(() => Object.values(ids).every((id) => gateway.terminal(id) !== undefined), 30_000, 'the gateway to start the sessions');
  return { relay, ws, gateway, sessions: [gwSession], writer, streamLimit, ids };
}

/** The writer's viewer of one session, as a shell for the shared measurements. */
async function writerShell(bed: Bed, id: SessionId) {
  const tap = new TapScreen();
  const core = new ViewerCore({ crypto: bed.ws.crypto, session: bed.writer, entry: bed.writer.workspace().sessions.get(id)!, screen: tap, gunzip });
  await core.open();
  if (!(await core.whenLive())) throw new Error('the gateway did not answer the writer');
  return {
    tap,
    core,
    onOutput(listener: (bytes: Uint8Array) => void): void {
      tap.listener = listener;
    },
    type: (text: string): void => core.send(text),
  };
}

/**
 * A sealed stream frame the size of an input frame, from the writer's device to another device and
 * straight back, both through the relay: the hops and the sealing, without the gateway and the PTY.
 */
async function relayPing(bed: Bed, rounds: number): Promise<number[]> {
  const entry = bed.writer.workspace().sessions.get(bed.ids.echo)!;
  const a = await bed.writer.peer.openDoc({ doc: entry.docId, scope: Scope.Terminals });
  const other = await bed.ws.open(JOINS + 1);
  await other.syncOrQueue(15_000);
  const b = await other.peer.openDoc({ doc: entry.docId, scope: Scope.Terminals });
  await b.whenSynced(15_000);
  const me = bed.writer.home.identity.deviceId;
  const them = other.home.identity.deviceId;
  b.on('stream', (from, payload) => void (from === me && payload[0] === 0xfe && b.sendStream(payload, from)));
  let back: (() => void) | null = null;
  a.on('stream', (from, payload) => {
    if (from === them && payload[0] === 0xfe) back?.();
  });
  const payload = new Uint8Array(96).fill(0xfe);
  const out: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const t0 = performance.now();
    await new Promise<void>((resolve) => {
      back = resolve;
      a.sendStream(payload, them);
    });
    out.push(performance.now() - t0);
    await sleep(2);
  }
  await other.close();
  return out;
}

async function echo(bed: Bed): Promise<string[][]> {
  const relayed = await writerShell(bed, bed.ids.echo);
  const raw = rawShell();
  await sleep(300);
  const r = await echoLatency({ raw, relay: relayed }, ROUNDS);
  raw.end();
  relayed.core.close();
  const ping = await relayPing(bed, ROUNDS);
  const [raw50, raw99, via50, via99] = [percentile(r.raw!, 50), percentile(r.raw!, 99), percentile(r.relay!, 50), percentile(r.relay!, 99)];
  console.log(
    `keystroke echo (${ROUNDS} each, alternating): raw p50 ${ms(raw50)} p99 ${ms(raw99)}; through gateway + relay p50 ${ms(via50)} p99 ${ms(via99)} max ${ms(Math.max(...r.relay!))}; ` +
      `sealed frame round trip device -> relay -> device -> relay -> device (no gateway) p50 ${ms(percentile(ping, 50))} p99 ${ms(percentile(ping, 99))}`,
  );
  return [
    ['Keystroke echo p50', ms(raw50), `${ms(via50)} (${signed(via50 - raw50)})`, '≤ +1.5 ms', met(via50 - raw50 <= 1.5)],
    ['Keystroke echo p99', ms(raw99), `${ms(via99)} (${signed(via99 - raw99)})`, '≤ +6 ms', met(via99 - raw99 <= 6)],
    ['Sealed frame round trip through the relay, no gateway', '—', `p50 ${ms(percentile(ping, 50))}, p99 ${ms(percentile(ping, 99))}`, '—', '—'],
  ];
}

/** Resolves with the time `marker` went through the gateway's own output stream. */
function gatewaySees(bed: Bed, id: SessionId, marker: string): Promise<number> {
  const stream = bed.gateway.terminal(id)!.stream;
  let tail = '';
  return new Promise((resolve) => {
    const off = stream.on('batch', (b) => {
      tail = outputTail(tail, b.bytes);
      if (!tail.includes(marker)) return;
      off();
      resolve(performance.now());
    });
  });
}

/** A viewer that has not seen the end this long after the gateway sent it counts as stalled. */
const STALL_MS = 5_000;

/** Where the throughput run's viewer is: how it draws, types, and what its CPU costs. */
interface FloodViewer {
  /** Types `command`; resolves once `marker` was drawn. */
  run(command: string, marker: string): Promise<{ bytes: number; ms: number }>;
  type(text: string): void;
  drawn(): Promise<{ bytes: number; resets: number }>;
  /** CPU ms of the viewer's own process so far (0 when it shares the gateway's). */
  cpuMs(): Promise<number>;
  close(): Promise<void>;
}

/** The writer's device viewing the flood session in its own process (bench/gateway-viewer-child.ts), as a remote device does. */
async function childViewer(bed: Bed): Promise<FloodViewer> {
  // A device's home is open in one process at a time: the writer's moves to the viewer's process.
  await bed.writer.close();
  const child = await startChild<{ pid: number }>(new URL('./gateway-viewer-child.ts', import.meta.url).pathname, [JSON.stringify({ home: bed.ws.homes[0], session: bed.ids.flood })]);
  const cpu = async (): Promise<number> => {
    const u = await child.usage();
    return (u.userUs + u.systemUs) / 1000;
  };
  return {
    run: (command, marker) => child.call('run', { command, marker }, 600_000),
    type: (text) => void child.call('type', { text }),
    drawn: () => child.call('drawn'),
    cpuMs: cpu,
    close: async () => {
      await child.stop();
      bed.writer = await bed.ws.open(0);
      await bed.writer.syncOrQueue(15_000);
    },
  };
}

/** The writer's viewer in this process, sharing the gateway's event loop (`--viewer here`). */
async function hereViewer(bed: Bed): Promise<FloodViewer> {
  const viewer = await writerShell(bed, bed.ids.flood);
  return {
    run: (command, marker) => throughput(viewer, command, marker),
    type: (text) => viewer.type(text),
    drawn: async () => ({ bytes: viewer.tap.bytes, resets: viewer.tap.resets }),
    cpuMs: async () => 0,
    close: async () => viewer.core.close(),
  };
}

/**
 * Each workload `runs` times, raw node-pty then the viewer through the relay. A stalled viewer (frames
 * the relay refused, and no later output to make it ask again) gets a keystroke, so that the next
 * output sends it back to the gateway for what it missed.
 */
async function flood(bed: Bed, runs: number): Promise<string[][]> {
  const viewer = VIEWER === 'child' ? await childViewer(bed) : await hereViewer(bed);
  const rows: string[][] = [];
  const limit = bed.streamLimit === DEFAULT_LIMITS.streamPerSecond ? 'relay defaults' : `stream limit ${bed.streamLimit}/s`;
  const mbps = (x: { bytes: number; ms: number }): number => x.bytes / 1e6 / (x.ms / 1000);
  for (const [command, label] of WORKLOADS) {
    const figures = { raw: [] as number[], relay: [] as number[], gateway: [] as number[] };
    let bytes = 0;
    let restores = 0;
    const stalls: string[] = [];
    const cpu = { raw: 0, here: 0, viewer: 0, relay: 0, rawMb: 0, relayMb: 0 };
    const rejectedBefore = await rejectedFrames(bed.relay);
    for (let round = 0; round < runs; round++) {
      const raw = rawShell();
      await sleep(300);
      const rawCpu = selfCpuMs();
      const r = await throughput(raw, command, `raw-done-${label}-${round}`);
      cpu.raw += selfCpuMs() - rawCpu;
      cpu.rawMb += r.bytes / 1e6;
      figures.raw.push(mbps(r));
      bytes = r.bytes;
      raw.end();
      await sleep(300);
      const marker = `relay-done-${label}-${round}`;
      const before = await viewer.drawn();
      const [hereCpu, viewerCpu, relayCpu] = [selfCpuMs(), await viewer.cpuMs(), await bed.relay.usage()];
      const started = performance.now();
      const atGateway = gatewaySees(bed, bed.ids.flood, marker);
      const done = viewer.run(command, marker);
      const gatewayMs = (await atGateway) - started;
      figures.gateway.push(bytes / 1e6 / (gatewayMs / 1000));
      const v = await Promise.race([done, sleep(gatewayMs + STALL_MS).then(() => null)]);
      if (v === null) {
        stalls.push(`${fmt(((await viewer.drawn()).bytes - before.bytes) / 1e6)} of ${fmt(bytes / 1e6)} MB drawn`);
        viewer.type('\r');
        if ((await Promise.race([done, sleep(30_000).then(() => null)])) === null) throw new Error(`${label}: the viewer never caught up`);
      } else {
        figures.relay.push(mbps(v));
        cpu.here += selfCpuMs() - hereCpu;
        cpu.viewer += (await viewer.cpuMs()) - viewerCpu;
        cpu.relay += cpuMsBetween(relayCpu, await bed.relay.usage());
        cpu.relayMb += v.bytes / 1e6;
      }
      restores += (await viewer.drawn()).resets - before.resets;
      await sleep(500);
    }
    const after = await rejectedFrames(bed.relay);
    const refused = Object.entries(after).map(([code, n]) => `${code} ${n - (rejectedBefore[code] ?? 0)}`).filter((t) => !t.endsWith(' 0')).join(', ') || 'none';
    const [raw, relay, gw] = [median(figures.raw), median(figures.relay), median(figures.gateway)];
    const processes = VIEWER === 'child' ? `gateway process (gateway, mirror thread) ${fmt(cpu.here / cpu.relayMb)}, viewer process ${fmt(cpu.viewer / cpu.relayMb)}` : `gateway process (gateway, viewer, mirror thread) ${fmt(cpu.here / cpu.relayMb)}`;
    console.log(
      `${label} (${limit}, viewer ${VIEWER === 'child' ? 'in its own process' : 'in the gateway process'}): ${fmt(bytes / 1e6)} MB, raw ${fmt(raw)} MB/s, gateway's own stream ${fmt(gw)} MB/s, viewer through the relay ${stalls.length === runs ? 'stalled' : `${fmt(relay)} MB/s (${fmt(relay / raw, 2)}x)`}; ` +
        `runs ${figures.relay.map((x) => fmt(x)).join(', ') || '-'}; CPU ms per MB: raw ${fmt(cpu.raw / cpu.rawMb)}, ${processes}, relay ${fmt(cpu.relay / cpu.relayMb)}; stalls ${stalls.length}${stalls.length > 0 ? ` (${stalls.join('; ')})` : ''}; snapshot restores ${restores}; relay refusals ${refused}`,
    );
    const name = `\`${label === 'seq' ? 'seq 1 2000000' : 'base64'}\` (${fmt(bytes / 1e6)} MB), ${limit}`;
    rows.push(
      stalls.length > 0
        ? [name, `${fmt(raw)} MB/s`, `stalled in ${stalls.length} of ${runs} runs (${stalls[0]}); relay refusals ${refused}`, '≥ 0.5x', 'no']
        : [name, `${fmt(raw)} MB/s`, `${fmt(relay)} MB/s (${fmt(relay / raw, 2)}x); gateway's own stream ${fmt(gw)} MB/s`, '≥ 0.5x', met(relay / raw >= 0.5)],
    );
  }
  await viewer.close();
  return rows;
}

async function lateJoin(bed: Bed): Promise<string[][]> {
  const writer = await writerShell(bed, bed.ids.scroll);
  const marker = 'scroll-done-log';
  await throughput(writer, SCROLLBACK_SCREENS.log, marker);
  // Wait for the gateway's periodic snapshot of this screen to land in the session document.
  const stream = bed.gateway.terminal(bed.ids.scroll)!.stream;
  const stored = () => terminalDoc(writer.core.doc.ydoc).snapshots.latest();
  await until(() => {
    const s = stored();
    return s !== undefined && decodeSnapshot(s.bytes).coversSeq >= stream.next.seq;
  }, 30_000, 'a snapshot of the whole screen in the session document');
  writer.core.close();
  const snap = decodeSnapshot(stored()!.bytes);
  const connect: number[] = [];
  const shown: number[] = [];
  const live: number[] = [];
  for (let i = 1; i <= JOINS; i++) {
    const t0 = performance.now();
    const session = await bed.ws.open(i);
    await session.syncOrQueue(15_000);
    await until(() => session.workspace().sessions.get(bed.ids.scroll) !== undefined, 15_000, 'the session in the index');
    connect.push(performance.now() - t0);
    const screen = new WatchScreen(marker);
    const core = new ViewerCore({ crypto: bed.ws.crypto, session, entry: session.workspace().sessions.get(bed.ids.scroll)!, screen, gunzip });
    const t1 = performance.now();
    await core.open();
    const isLive = await core.whenLive();
    const t2 = performance.now();
    await until(() => screen.shownAt !== null, 15_000, 'the last line on the late joiner screen');
    if (!isLive) throw new Error('the gateway did not answer a late joiner');
    shown.push(screen.shownAt! - t1);
    live.push(t2 - t1);
    core.close();
    screen.screen.dispose();
    await session.close();
  }
  const kb = (n: number): string => `${fmt(n / 1000)} KB`;
  console.log(
    `late joiner (${JOINS} new devices): open() -> last line shown p50 ${ms(median(shown))} max ${ms(Math.max(...shown))}; -> live p50 ${ms(median(live))}; ` +
      `connect + index sync before it p50 ${ms(median(connect))}; stored snapshot ${kb(snap.gzip.length)} gzip, ${snap.scrollbackLines} lines of scrollback`,
  );
  return [
    ['Late joiner: open() → last line shown (coloured log, 1,000 lines)', '—', `p50 ${ms(median(shown))}, max ${ms(Math.max(...shown))}; gateway's answer p50 ${ms(median(live))}`, '≤ 300 ms', met(median(shown) <= 300)],
    ['Snapshot in the session document (same screen)', '—', `${kb(snap.gzip.length)} gzip, ${snap.scrollbackLines} lines of scrollback`, '≤ 25 KB', met(snap.gzip.length <= 25_000)],
  ];
}

async function tearDown(bed: Bed): Promise<void> {
  await bed.writer.close();
  await bed.gateway.stop({ keepShells: false });
  for (const s of bed.sessions) await s.close();
  await bed.relay.stop();
}

console.log(`gateway terminal sessions through the relay vs raw node-pty; ${machineNote()}`);
const dir = mkdtempSync(join(tmpdir(), 'tendril-bench-gw-relay-'));
try {
  const started = performance.now();
  const bed = await setUp(join(dir, 'defaults'), DEFAULT_LIMITS.streamPerSecond);
  console.log(`set up (relay with default limits, workspace of ${JOINS + 2} devices and a gateway, 3 sessions) in ${fmt((performance.now() - started) / 1000)} s`);
  const rows: string[][] = [];
  try {
    rows.push(...(await echo(bed)), ...(await flood(bed, 1)), ...(await lateJoin(bed)));
  } finally {
    await tearDown(bed);
  }
  const raised = await setUp(join(dir, 'raised'), RAISED_STREAM_LIMIT);
  try {
    rows.push(...(await flood(raised, RUNS)));
  } finally {
    await tearDown(raised);
  }
  printTable('Gateway through the relay against direct node-pty', ['Measure', 'Raw node-pty', 'Through gateway + relay', 'Goal', 'Met'], rows);
  const warning = contentionWarning();
  if (warning) console.log(`\n${warning}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
