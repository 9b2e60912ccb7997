/**
 * Cold load: a new device opens a document with a long history. The
 * automerge-paper trace (259,778 single-character edits) is replayed into a
 * Y.Text by one writer, ONE UPDATE (and one sealed envelope) PER EDIT,
 * appended through the real relay (SQLite). Then a new device loads it:
 *
 *   (a) from the full log: every envelope verified (Ed25519), decrypted
 *       (XChaCha20-Poly1305) and applied, as DocSync does it;
 *   (b) from a snapshot + tail: a snapshot envelope covering all but the last
 *       `tail` edits (sealed and uploaded exactly as DocSync.maybeSnapshot
 *       does; the relay keeps the covered entries, unpruned), then the tail.
 *
 * Beside it, in the same run: plain Yjs applying the same per-edit updates and
 * loading one `Y.encodeStateAsUpdate` snapshot; a plain y-websocket server
 * handing the same final state to a new client; Automerge 3 loading a saved
 * document and applying the same history as one change per edit. Also the
 * cost of each step of opening one envelope.
 *
 *   node --import tsx bench/relay-cold-load.ts [--edits 259778] [--tail 499] [--repeats 5] [--wait-quiet 60] [--profile DIR]
 *
 * `--profile DIR` writes V8 CPU profiles of the loading device (this process)
 * into DIR, one per load: full-log.cpuprofile, snapshot-tail-N.cpuprofile (the
 * Nth repeat of (b)) and snapshot-N.cpuprofile (of (b0)).
 *
 * The plain-Yjs snapshot loads (with and without the tail) are timed between
 * the Tendril loads (b) and (b0), one after each, so both sides run with the
 * same heap around them and the same garbage left behind; the device that
 * loaded the whole log is closed before them.
 *
 * The relay runs in a child process; the loading device runs here. The
 * Automerge history (one change per edit) takes about a minute to build; it
 * is cached in the OS temp directory (tendril-bench-automerge-*.am).
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Session } from 'node:inspector/promises';
import Database from 'better-sqlite3';
import * as Automerge from '@automerge/automerge';
import * as Y from 'yjs';
import { loadCrypto } from '@tendril/crdt-schema/crypto';
import { EnvelopeKind, parseEnvelope, signedMessage } from '@tendril/crdt-schema/envelope';
import { deriveDocKeys, Scope } from '@tendril/crdt-schema/keyring';
import { FrameType } from '@tendril/crdt-schema/wire';
import { encodeCoveredState } from '../crdt-schema/src/sync/local-state.ts';
import { parseFlags, sleep, waitFor } from './lib/args.ts';
import { cpuMsBetween, libPath, machineBusyMs, selfCpuMs, startChild } from './lib/child.ts';
import type { ServerReady, ServerSpec } from './lib/server-child.ts';
import { fmt, fmtBytes, median, ratio } from './lib/stats.ts';
import { contentionWarning, machineNote, printTable, waitForQuiet } from './lib/table.ts';
import { CountingDocStore, createBenchWorkspace, enrolMember, newDocId, newMember, openDeviceDoc, type DeviceDoc } from './lib/tendril.ts';
import { loadTrace, type Patch } from './lib/trace.ts';
import { openYwsDoc } from './lib/yws-client.ts';

const flags = parseFlags();
const trace = loadTrace();
const EDITS = Math.min(trace.patches.length, flags.number('edits', trace.patches.length));
const TAIL = flags.number('tail', 499);
const REPEATS = flags.number('repeats', 5);
const WAIT_QUIET = flags.number('wait-quiet', 60);
/** Write V8 CPU profiles of the loading device into this directory. */
const PROFILE_DIR = flags.string('profile', '');
flags.done();
const HEAD = EDITS - TAIL;
const NEVER = 1e12;
const TEXT = 'paper';

const crypto = await loadCrypto();
await waitForQuiet(WAIT_QUIET * 1000);
console.log(`relay cold load: ${EDITS} edits of the automerge-paper trace, one update per edit; snapshot after ${HEAD}, tail ${TAIL}; ${REPEATS} repeats of the fast loads`);
console.log(machineNote());

const applyPatch = (text: Y.Text, [pos, del, ins]: Patch): void => {
  text.doc!.transact(() => {
    if (del > 0) text.delete(pos, del);
    if (ins.length > 0) text.insert(pos, ins);
  });
};

interface Row {
  readonly name: string;
  readonly what: string;
  readonly ms: number;
  readonly units: number;
  readonly relayCpuMs?: number;
  /** CPU used by processes outside this benchmark meanwhile, % of the machine. */
  readonly foreignPct?: number;
}
const rows: Row[] = [];
const record = (r: Row): void => {
  rows.push(r);
  console.log(`  ${r.name}: ${fmt(r.ms, 1)} ms (${r.what})`);
};

/** Profiles the loading device while `fn` runs (when --profile is given), into DIR/name.cpuprofile. */
async function profiled<T>(name: string, fn: () => Promise<T>): Promise<T> {
  if (!PROFILE_DIR) return fn();
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 100 });
  await session.post('Profiler.start');
  try {
    return await fn();
  } finally {
    const { profile } = await session.post('Profiler.stop');
    mkdirSync(PROFILE_DIR, { recursive: true });
    writeFileSync(join(PROFILE_DIR, `${name}.cpuprofile`), JSON.stringify(profile));
    session.disconnect();
  }
}

// ---- the relay and the history ------------------------------------------------

const dataDir = mkdtempSync(join(tmpdir(), 'bench-cold-'));
const spec: ServerSpec = { kind: 'tendril', dataDir };
const relay = await startChild<ServerReady>(libPath('server-child.ts'), [JSON.stringify(spec)]);
const ws = createBenchWorkspace(crypto);
const doc = newDocId();
const writer = await openDeviceDoc({ ws, relayUrl: relay.ready.url, identity: ws.admin, doc, register: true, coalesceMs: 0, snapshotEvery: NEVER });
const text = writer.ydoc.getText(TEXT);
const updates: Uint8Array[] = [];
writer.ydoc.on('update', (u: Uint8Array) => updates.push(u));

let stateAtHead: Uint8Array | undefined;
const up0 = await relay.usage();
const upT0 = performance.now();
for (let i = 0; i < EDITS; i++) {
  applyPatch(text, trace.patches[i]!);
  void writer.sync.flush();
  if (i % 1000 === 999) {
    await writer.sync.flush();
    while (writer.sync.unacked > 20_000) await sleep(20);
  }
  if (i === HEAD - 1) {
    await writer.sync.whenSynced(900_000);
    if (writer.sync.cursor !== HEAD) throw new Error(`expected seq ${HEAD} after the head, got ${writer.sync.cursor}`);
    stateAtHead = Y.encodeStateAsUpdate(writer.ydoc);
  }
}
await writer.sync.whenSynced(900_000);
const upT1 = performance.now();
const up1 = await relay.usage();
const reference = text.toString();
if (EDITS === trace.patches.length && reference !== trace.endContent) throw new Error('the replayed text differs from endContent');
const db = new Database(join(dataDir, 'relay.sqlite'), { readonly: true });
const logBytes = (db.prepare('SELECT sum(length(envelope)) AS n FROM entries WHERE doc = ?').get(doc) as { n: number }).n;
console.log(
  `  upload: ${EDITS} envelopes (${fmtBytes(logBytes)}) through the relay in ${fmt((upT1 - upT0) / 1000, 1)} s = ${fmt(EDITS / ((upT1 - upT0) / 1000), 0)} appends/s; relay CPU ${fmt(cpuMsBetween(up0, up1) / 1000, 1)} s`,
);

// ---- (a) full log ----------------------------------------------------------------

async function timedLoad(name: string, what: string, units: number, expect: string, target = doc, store = new CountingDocStore()): Promise<DeviceDoc> {
  const s0 = await relay.usage();
  const [m0, b0] = [selfCpuMs(), machineBusyMs()];
  const t0 = performance.now();
  // Only member devices are let in: the admin enrols each new loader first.
  const identity = newMember(ws);
  await enrolMember(ws, writer, identity);
  const device = await openDeviceDoc({ ws, relayUrl: relay.ready.url, identity, doc: target, snapshotEvery: NEVER, store });
  await device.sync.whenSynced(900_000);
  const ms = performance.now() - t0;
  const s1 = await relay.usage();
  const ours = cpuMsBetween(s0, s1) + selfCpuMs() - m0;
  const foreignPct = Math.max(0, (100 * (machineBusyMs() - b0 - ours)) / (ms * cpus().length));
  if (device.ydoc.getText(TEXT).toString() !== expect) throw new Error(`${name}: the loaded text differs`);
  record({ name, what, ms, units, relayCpuMs: cpuMsBetween(s0, s1), foreignPct });
  return device;
}

const m0 = selfCpuMs();
const fullStore = new CountingDocStore();
const fullLoader = await profiled('full-log', () => timedLoad('tendril (a) full log', `${EDITS} envelopes verified + decrypted + applied`, EDITS, reference, doc, fullStore));
const loadCpuMs = selfCpuMs() - m0;
console.log(`    loading device CPU ${fmt(loadCpuMs / 1000, 1)} s; DocSync sealed and saved its whole state ${fullStore.saves} times during the load (${fmtBytes(fullStore.savedBytes)})`);
const finalState = Y.encodeStateAsUpdate(writer.ydoc);
const saveMs = (() => {
  const local = crypto.randomBytes(32);
  const times: number[] = [];
  for (let r = 0; r < 5; r++) {
    const t0 = performance.now();
    const body = encodeCoveredState({ seq: EDITS, covers: new Map([[ws.admin.deviceId, EDITS]]), state: Y.encodeStateAsUpdate(fullLoader.ydoc) });
    crypto.aeadSeal(body, new Uint8Array(16), crypto.randomBytes(24), local);
    times.push(performance.now() - t0);
  }
  return median(times);
})();
console.log(`    one such save (encodeStateAsUpdate + encode + seal of the final state) takes ${fmt(saveMs, 1)} ms: about ${fmt((fullStore.saves * saveMs) / 1000, 1)} s of the load`);
// The loaded device is not needed again: closed now, so the loads below do not carry its heap.
await fullLoader.close();

// ---- per-envelope costs --------------------------------------------------------------

const sample = (db.prepare('SELECT envelope FROM entries WHERE doc = ? ORDER BY seq LIMIT 20000').all(doc) as { envelope: Buffer }[]).map((r) => new Uint8Array(r.envelope));
const parsed = sample.map((e) => parseEnvelope(e));
/** Microseconds per envelope, the better of two passes (the first also warms up). */
const perEnvelope = (fn: () => void): number => {
  let best = Number.POSITIVE_INFINITY;
  for (let pass = 0; pass < 2; pass++) {
    const t0 = performance.now();
    fn();
    best = Math.min(best, performance.now() - t0);
  }
  return (best * 1000) / sample.length;
};
const parseUs = perEnvelope(() => sample.forEach((e) => parseEnvelope(e)));
const verifyUs = perEnvelope(() => parsed.forEach((p) => crypto.verify(p.signature, signedMessage(p), p.authorKey)));
const manyT0 = performance.now();
await crypto.verifyMany(parsed.map((p) => ({ signature: p.signature, message: signedMessage(p), publicKey: p.authorKey })));
const verifyManyUs = ((performance.now() - manyT0) * 1000) / sample.length;
const key = writer.cipher;
const plain: Uint8Array[] = [];
const openUs = perEnvelope(() => sample.forEach((e, i) => (plain[i] = key.open(e, { check() {} }).plaintext)));
const applyUs = perEnvelope(() => {
  const scratch = new Y.Doc();
  plain.forEach((u) => Y.applyUpdate(scratch, u));
});
const view = deriveDocKeys(crypto, ws.keys.get(Scope.Chats)!, doc);
const contentKey = view.contentKey(view.current)!;
const decryptUs = perEnvelope(() => parsed.forEach((p) => crypto.aeadOpen(p.ciphertext, p.headerBytes, p.nonce, contentKey)));

// ---- (b) snapshot + tail -------------------------------------------------------------------

const covered = encodeCoveredState({ seq: HEAD, covers: new Map([[ws.admin.deviceId, HEAD]]), state: stateAtHead! });
const snapshotEnvelope = writer.cipher.seal(EnvelopeKind.Snapshot, HEAD, covered);
writer.relay.sendFrame({ type: FrameType.SnapshotPut, doc, ref: 0, seq: HEAD, envelope: snapshotEnvelope });
const snapshotSeq = db.prepare('SELECT snapshot_seq AS seq FROM docs WHERE id = ?');
if (!(await waitFor(() => (snapshotSeq.get(doc) as { seq: number }).seq === HEAD, 30_000, 20))) throw new Error('the relay did not store the snapshot');
console.log(`  snapshot at seq ${HEAD}: ${fmtBytes(snapshotEnvelope.length)} sealed (Yjs state ${fmtBytes(stateAtHead!.length)}), tail ${TAIL} entries`);

/**
 * The plain-Yjs loads these are compared with, timed in the same loop as the Tendril loads, one after
 * each, so both sides run with the same heap around them (the writer's device is still open) and the
 * same garbage left by the load before.
 */
const yjsSnapshotLoad = (): number => {
  const t0 = performance.now();
  const d = new Y.Doc();
  Y.applyUpdate(d, finalState);
  const ms = performance.now() - t0;
  if (d.getText(TEXT).length !== reference.length) throw new Error('yjs snapshot differs');
  return ms;
};
const yjsSnapshotAndTail = (): number => {
  const t0 = performance.now();
  const d = new Y.Doc();
  Y.applyUpdate(d, stateAtHead!);
  for (let i = HEAD; i < updates.length; i++) Y.applyUpdate(d, updates[i]!);
  const ms = performance.now() - t0;
  if (d.getText(TEXT).length !== reference.length) throw new Error('yjs snapshot + tail differs');
  return ms;
};
const yjsSnapshotTimes: number[] = [];
const yjsTailTimes: number[] = [];

const snapLoads: Row[] = [];
for (let r = 0; r < REPEATS; r++) {
  const d = await profiled(`snapshot-tail-${r + 1}`, () => timedLoad('tendril (b) snapshot + tail', `snapshot of ${HEAD} edits + ${TAIL} envelopes`, EDITS, reference));
  snapLoads.push(rows.pop()!);
  await d.close();
  yjsTailTimes.push(yjsSnapshotAndTail());
  yjsSnapshotTimes.push(yjsSnapshotLoad());
}
// The same path with no tail: a snapshot of the final state.
writer.relay.sendFrame({
  type: FrameType.SnapshotPut,
  doc,
  ref: 0,
  seq: EDITS,
  envelope: writer.cipher.seal(EnvelopeKind.Snapshot, EDITS, encodeCoveredState({ seq: EDITS, covers: new Map([[ws.admin.deviceId, EDITS]]), state: finalState })),
});
if (!(await waitFor(() => (snapshotSeq.get(doc) as { seq: number }).seq === EDITS, 30_000, 20))) throw new Error('the relay did not store the final snapshot');
const snapOnlyLoads: Row[] = [];
for (let r = 0; r < REPEATS; r++) {
  const d = await profiled(`snapshot-${r + 1}`, () => timedLoad('tendril (b0) snapshot, no tail', `snapshot of all ${EDITS} edits`, EDITS, reference));
  snapOnlyLoads.push(rows.pop()!);
  await d.close();
  yjsSnapshotTimes.push(yjsSnapshotLoad());
  yjsTailTimes.push(yjsSnapshotAndTail());
}
console.log(`  yjs load snapshot, between the Tendril loads: ${yjsSnapshotTimes.map((x) => fmt(x, 1)).join(', ')} ms; yjs snapshot + tail: ${yjsTailTimes.map((x) => fmt(x, 1)).join(', ')} ms`);
const emptyDoc = newDocId();
const creator = await openDeviceDoc({ ws, relayUrl: relay.ready.url, identity: ws.admin, doc: emptyDoc });
creator.ydoc.getText(TEXT).insert(0, 'x');
await creator.sync.whenSynced(30_000);
const emptyLoads: Row[] = [];
for (let r = 0; r < REPEATS; r++) {
  const d = await timedLoad('tendril connect + 1-entry doc', 'handshake, subscribe, one envelope', 1, 'x', emptyDoc);
  emptyLoads.push(rows.pop()!);
  await d.close();
}
const medianRow = (runs: Row[]): Row => ({
  ...runs[0]!,
  ms: median(runs.map((x) => x.ms)),
  relayCpuMs: median(runs.map((x) => x.relayCpuMs ?? 0)),
  foreignPct: median(runs.map((x) => x.foreignPct ?? 0)),
});
rows.push(medianRow(snapLoads), medianRow(snapOnlyLoads), medianRow(emptyLoads));
await creator.close();
await writer.close();
db.close();
await relay.stop();
rmSync(dataDir, { recursive: true, force: true });

// ---- plain Yjs ---------------------------------------------------------------------

{
  // The baseline of the whole-log ratio: the median of three passes (one pass varied 1.5-2.3 s between runs).
  const passes: number[] = [];
  for (let r = 0; r < 3; r++) {
    const t0 = performance.now();
    const d = new Y.Doc();
    for (const u of updates) Y.applyUpdate(d, u);
    passes.push(performance.now() - t0);
    if (d.getText(TEXT).toString() !== reference) throw new Error('yjs replay differs');
  }
  console.log(`  yjs apply updates, three passes: ${passes.map((x) => fmt(x, 0)).join(', ')} ms`);
  record({ name: 'yjs apply updates', what: `${updates.length} updates applied one by one (median of 3)`, ms: median(passes), units: updates.length });
}
const timeMedian = (fn: () => void): number => {
  const times: number[] = [];
  for (let r = 0; r < REPEATS; r++) {
    const t0 = performance.now();
    fn();
    times.push(performance.now() - t0);
  }
  return median(times);
};
record({
  name: 'yjs load snapshot',
  what: `Y.applyUpdate of encodeStateAsUpdate (${fmtBytes(finalState.length)}), between the Tendril loads`,
  units: EDITS,
  ms: median(yjsSnapshotTimes),
});
record({
  name: 'yjs snapshot + tail',
  what: `state after ${HEAD} edits + ${TAIL} updates, between the Tendril loads`,
  units: EDITS,
  ms: median(yjsTailTimes),
});

// ---- y-websocket: a new client syncing the same state from a plain server ----------

{
  const yws = await startChild<ServerReady>(libPath('server-child.ts'), [JSON.stringify({ kind: 'yws' } satisfies ServerSpec)]);
  const seedDoc = new Y.Doc();
  Y.applyUpdate(seedDoc, finalState);
  const seed = await openYwsDoc(yws.ready.url, 'paper', seedDoc);
  // The server has the whole state once a fresh client receives it all.
  const probe = await openYwsDoc(yws.ready.url, 'paper');
  await waitFor(() => probe.ydoc.getText(TEXT).length === reference.length, 60_000);
  probe.close();
  const times: number[] = [];
  for (let r = 0; r < REPEATS; r++) {
    const t0 = performance.now();
    const c = await openYwsDoc(yws.ready.url, 'paper');
    await waitFor(() => c.ydoc.getText(TEXT).length === reference.length, 60_000, 1);
    times.push(performance.now() - t0);
    if (c.ydoc.getText(TEXT).toString() !== reference) throw new Error('y-websocket load differs');
    c.close();
  }
  seed.close();
  await yws.stop();
  record({ name: 'y-websocket sync', what: 'new client, server holds the doc in memory', ms: median(times), units: EDITS });
}

// ---- Automerge 3 -------------------------------------------------------------------

{
  type Paper = { text: string };
  const cache = join(tmpdir(), `tendril-bench-automerge-paper-${EDITS}.am`);
  let saved: Uint8Array;
  if (existsSync(cache)) saved = new Uint8Array(readFileSync(cache));
  else {
    const t0 = performance.now();
    let d = Automerge.from<Paper>({ text: '' });
    for (let i = 0; i < EDITS; i++) {
      const [pos, del, ins] = trace.patches[i]!;
      d = Automerge.change(d, (x) => void Automerge.splice(x, ['text'], pos, del, ins));
    }
    saved = Automerge.save(d);
    writeFileSync(cache, saved);
    console.log(`  automerge: built ${EDITS} changes in ${fmt((performance.now() - t0) / 1000, 1)} s (cached in ${cache})`);
  }
  record({
    name: 'automerge load',
    what: `Automerge.load of a saved doc (${fmtBytes(saved.length)})`,
    units: EDITS,
    ms: timeMedian(() => {
      if (Automerge.load<Paper>(saved).text.length !== reference.length) throw new Error('automerge load differs');
    }),
  });
  const changes = Automerge.getAllChanges(Automerge.load<Paper>(saved));
  const t0 = performance.now();
  const [applied] = Automerge.applyChanges(Automerge.init<Paper>(), changes);
  const ms = performance.now() - t0;
  if (applied.text !== reference) throw new Error('automerge applyChanges differs');
  record({ name: 'automerge apply changes', what: `${changes.length} changes (one per edit + the initial one)`, ms, units: changes.length });
}

// ---- report -----------------------------------------------------------------------

const byName = (name: string): Row => rows.find((r) => r.name === name)!;
const yjsSnap = byName('yjs load snapshot').ms;
const yjsUpdates = byName('yjs apply updates').ms;
const order = [
  'tendril (a) full log',
  'tendril (b) snapshot + tail',
  'tendril (b0) snapshot, no tail',
  'tendril connect + 1-entry doc',
  'y-websocket sync',
  'yjs apply updates',
  'yjs load snapshot',
  'yjs snapshot + tail',
  'automerge apply changes',
  'automerge load',
];
printTable(
  `Cold load of ${EDITS} edits (load times are medians of ${REPEATS} except the full-log and Automerge-changes rows, one run each, and the Yjs-updates row, the median of 3)`,
  ['method', 'what', 'ms', 'us per edit', 'relay CPU ms', 'vs yjs snapshot', 'vs yjs updates', 'other procs CPU'],
  order.map((name) => {
    const r = byName(name);
    return [
      r.name,
      r.what,
      fmt(r.ms, 1),
      fmt((r.ms * 1000) / r.units, 2),
      r.relayCpuMs === undefined ? '' : fmt(r.relayCpuMs, 0),
      ratio(r.ms, yjsSnap),
      ratio(r.ms, yjsUpdates),
      r.foreignPct === undefined ? '' : `${fmt(r.foreignPct, 0)}%`,
    ];
  }),
);
printTable(
  `Opening one envelope, step by step (${sample.length} envelopes of this trace, about ${fmt(logBytes / EDITS, 0)} bytes each)`,
  ['step', 'us per envelope'],
  [
    ['parse header (parseEnvelope)', fmt(parseUs, 2)],
    ['Ed25519 verify, one at a time (crypto.verify)', fmt(verifyUs, 2)],
    ['Ed25519 verify, batched on the thread pool (crypto.verifyMany)', fmt(verifyManyUs, 2)],
    ['XChaCha20-Poly1305 open', fmt(decryptUs, 2)],
    ['whole open: parse + verify + author + counter + decrypt (DocCipher.open)', fmt(openUs, 2)],
    ['Y.applyUpdate of the plaintext', fmt(applyUs, 2)],
  ],
);
const b = byName('tendril (b) snapshot + tail').ms;
const b0 = byName('tendril (b0) snapshot, no tail').ms;
console.log(`\ntail cost: ${fmt(((b - b0) * 1000) / TAIL, 0)} us per tail envelope (median (b) - median (b0), over ${TAIL})`);
console.log(`target: cold load from snapshot within 1.7x of a plain Yjs snapshot load: ${ratio(b, yjsSnap)} with a ${TAIL}-entry tail, ${ratio(b0, yjsSnap)} with none -> ${b <= 1.7 * yjsSnap ? 'met' : 'missed'}`);
const warning = contentionWarning();
if (warning) console.log(warning);
