/**
 * Local persistence: what one change costs the device's store as a chat
 * grows to N messages. Baseline (the previous DocSync): every save seals and
 * rewrites the whole document state (Yjs state + cursor + counters). Now: the
 * change is appended as one small sealed record (LocalLog, the code DocSync
 * uses), and every `compact-after` records one sealed full state replaces
 * them in the same transaction. Both run in the same process on the same
 * store, with the real local-key sealing (XChaCha20-Poly1305).
 *
 * A change is one chat message of `chars` characters, written in its own
 * store transaction: the case where changes are further apart than the save
 * debounce (a message, not a keystroke burst), one save or one append each.
 * Bytes are what is handed to the store (sealed records and states), not the
 * file system's own overhead. For each checkpoint, the baseline is the mean
 * over the `window` changes before it; the append log is the mean over the
 * `compact-after` changes before it, which include exactly one compaction.
 *
 * Loading: DocSync.open of the whole-state store against the log at its
 * longest (`compact-after` - 1 records after the state), same content,
 * alternated, median of 5.
 *
 * Stores: SQLite (the Node home's LocalDb on a temp file: WAL,
 * synchronous=FULL) and IndexedDB through fake-indexeddb (in memory: its
 * times show the structured-clone and bookkeeping cost, not a browser disk).
 *
 *   node --import tsx bench/local-store.ts [--messages 5000] [--checkpoints 500,1000,2000,5000]
 *     [--window 50] [--chars 200] [--compact-after 500] [--stores sqlite,indexeddb] [--wait-quiet 30]
 */
import 'fake-indexeddb/auto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IDBFactory } from 'fake-indexeddb';
import * as Y from 'yjs';
import { IdbDocStore, openDatabase } from '@tendril/crdt-schema/browser';
import { generateDeviceIdentity, loadCrypto } from '@tendril/crdt-schema/crypto';
import { newDocId, newWorkspaceId } from '@tendril/crdt-schema/ids';
import { generateWorkspaceKeys, Scope } from '@tendril/crdt-schema/keyring';
import { chatDoc } from '@tendril/crdt-schema/schema';
import { createCounterTracker } from '@tendril/crdt-schema/envelope';
import { DocSync, encodeCoveredState, LocalLog, type DocStore } from '@tendril/crdt-schema/sync';
import { createDocCipher } from '@tendril/crdt-schema/workspace';
import { LocalDb } from '../workers/src/home/sqlite-doc-store.ts';
import { parseFlags } from './lib/args.ts';
import { fmt, fmtBytes, median, ratio } from './lib/stats.ts';
import { contentionWarning, machineNote, printTable, waitForQuiet } from './lib/table.ts';

const flags = parseFlags();
const MESSAGES = flags.number('messages', 5000);
const CHECKPOINTS = flags.numbers('checkpoints', [500, 1000, 2000, 5000]).filter((c) => c <= MESSAGES);
const WINDOW = flags.number('window', 50);
const CHARS = flags.number('chars', 200);
const COMPACT_AFTER = flags.number('compact-after', 500);
const STORES = flags.strings('stores', ['sqlite', 'indexeddb']);
const WAIT_QUIET = flags.number('wait-quiet', 30);
flags.done();

const crypto = await loadCrypto();
const identity = generateDeviceIdentity(crypto);
const workspace = newWorkspaceId();
const keys = generateWorkspaceKeys(crypto, workspace);

console.log(`local store: a chat growing to ${MESSAGES} messages of ${CHARS} chars; whole-state save vs append + compact every ${COMPACT_AFTER}`);
await waitForQuiet(WAIT_QUIET * 1000);
console.log(machineNote());

interface Opened {
  readonly store: DocStore;
  close(): void;
}

async function openStore(kind: string): Promise<Opened> {
  const doc = newDocId();
  if (kind === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'bench-local-store-'));
    const db = new LocalDb(join(dir, 'local.db'));
    return { store: db.store(doc), close: () => (db.close(), rmSync(dir, { recursive: true, force: true })) };
  }
  if (kind === 'indexeddb') {
    const db = await openDatabase(new IDBFactory());
    return { store: new IdbDocStore(db, doc), close: () => db.close() };
  }
  throw new Error(`unknown store ${kind}; use sqlite or indexeddb`);
}

/** Totals over a stretch of changes. */
class Tally {
  changes = 0;
  bytes = 0;
  ms = 0;
  add(bytes: number, ms: number): this {
    this.changes++;
    this.bytes += bytes;
    this.ms += ms;
    return this;
  }
  get bytesPer(): number {
    return this.bytes / this.changes;
  }
  get msPer(): number {
    return this.ms / this.changes;
  }
}

/** Counts the bytes handed to a store (sealed records, states and envelopes). */
function metered(store: DocStore): DocStore & { bytes: number } {
  const m: DocStore & { bytes: number } = {
    bytes: 0,
    load: () => store.load(),
    putOutbox: (e) => ((m.bytes += e.envelope.length), store.putOutbox(e)),
    append: (records, meta, acked) => ((m.bytes += records.reduce((n, r) => n + r.sealed.length, 0)), store.append(records, meta, acked)),
    ack: (counters, meta) => store.ack(counters, meta),
    compact: (state, through, meta) => ((m.bytes += state.length), store.compact(state, through, meta)),
  };
  return m;
}

interface Row {
  readonly at: number;
  readonly stateBytes: number;
  readonly old: Tally;
  readonly log: Tally;
}

const sum = (xs: readonly { bytes: number; ms: number }[]): Tally => xs.reduce((t: Tally, x) => t.add(x.bytes, x.ms), new Tally());

async function run(kind: string): Promise<{ rows: Row[]; total: Tally; load: { records: number; oldMs: number; logMs: number } }> {
  const appendStore = await openStore(kind);
  const saveStore = await openStore(kind);
  const doc = newDocId();
  const cipher = createDocCipher({ crypto, identity, doc, scope: Scope.Chats, keys: () => keys.get(Scope.Chats)!, directory: { member: () => ({ role: 'device' }) }, localKey: crypto.randomBytes(32) });
  const logStore = metered(appendStore.store);
  const log = new LocalLog(logStore, cipher, COMPACT_AFTER);
  const ydoc = new Y.Doc();
  const chat = chatDoc(ydoc);
  let update: Uint8Array = new Uint8Array(0);
  ydoc.on('update', (u: Uint8Array) => void (update = u));
  const wholeState = (seq: number): Uint8Array =>
    cipher.sealLocal(encodeCoveredState({ seq, covers: new Map([[identity.deviceId, seq]]), state: Y.encodeStateAsUpdate(ydoc) }));
  const text = (i: number): string => `message ${i} `.padEnd(CHARS, 'lorem ipsum dolor sit amet ');
  const logChanges: { bytes: number; ms: number }[] = [];
  let oldChanges: { bytes: number; ms: number }[] = [];
  const rows: Row[] = [];
  for (let i = 1; i <= MESSAGES; i++) {
    chat.addMessage({ author: identity.deviceId, role: i % 2 ? 'user' : 'assistant', content: text(i) });
    const meta = { myCounter: i, maxSeenSeq: i };

    // Now: append one sealed record; compact once the log is past its threshold.
    const before = logStore.bytes;
    let t0 = performance.now();
    log.add({ seq: i, author: { device: identity.deviceId, counter: i }, update });
    await (log.compactionDue ? log.takeCompaction(wholeState(i), meta) : log.takeWrite(meta))();
    logChanges.push({ bytes: logStore.bytes - before, ms: performance.now() - t0 });

    // Before: seal and rewrite the whole state (the old saveState: one state row replaced, nothing deleted).
    const next = CHECKPOINTS.find((c) => c >= i);
    if (next !== undefined && i > next - WINDOW) {
      t0 = performance.now();
      const state = wholeState(i);
      await saveStore.store.compact(state, 0, meta);
      oldChanges.push({ bytes: state.length, ms: performance.now() - t0 });
    }
    if (next === i) {
      rows.push({ at: i, stateBytes: Y.encodeStateAsUpdate(ydoc).length, old: sum(oldChanges), log: sum(logChanges.slice(-COMPACT_AFTER)) });
      oldChanges = [];
    }
  }
  // Loading, at the log's longest: COMPACT_AFTER - 1 more changes appended after the last
  // compaction; the whole-state store saved once at the same content.
  for (let i = MESSAGES + 1; !log.compactionDue; i++) {
    chat.addMessage({ author: identity.deviceId, role: 'user', content: text(i) });
    log.add({ seq: i, author: { device: identity.deviceId, counter: i }, update });
    if (log.compactionDue) break;
    await log.takeWrite({ myCounter: MESSAGES, maxSeenSeq: MESSAGES })();
  }
  const records = (await appendStore.store.load()).updates.length;
  await saveStore.store.compact(wholeState(MESSAGES), 0, { myCounter: MESSAGES, maxSeenSeq: MESSAGES });
  const loadMs = async (store: DocStore): Promise<number> => {
    const t0 = performance.now();
    const sync = await DocSync.open({ doc, ydoc: new Y.Doc(), cipher, store, counters: createCounterTracker() });
    const ms = performance.now() - t0;
    if (chatDoc(sync.ydoc).count() < MESSAGES) throw new Error(`${kind}: the load is missing messages`);
    return ms;
  };
  // Alternated, so neither side always runs first (warm-up, garbage collection).
  const oldLoads: number[] = [];
  const logLoads: number[] = [];
  for (let k = 0; k < 5; k++) {
    if (k % 2) oldLoads.push(await loadMs(saveStore.store));
    logLoads.push(await loadMs(appendStore.store));
    if (!(k % 2)) oldLoads.push(await loadMs(saveStore.store));
  }
  const load = { records, oldMs: median(oldLoads), logMs: median(logLoads) };
  appendStore.close();
  saveStore.close();
  return { rows, total: sum(logChanges), load };
}

for (const kind of STORES) {
  const { rows, total, load } = await run(kind);
  printTable(
    `${kind}: per change, whole-state save vs append + compact`,
    ['messages', 'Yjs state', 'save bytes', 'append bytes', 'bytes ratio', 'save ms', 'append ms', 'time ratio'],
    rows.map((r) => [
      String(r.at),
      fmtBytes(r.stateBytes),
      fmtBytes(r.old.bytesPer),
      fmtBytes(r.log.bytesPer),
      ratio(r.old.bytesPer, r.log.bytesPer),
      fmt(r.old.msPer, 3),
      fmt(r.log.msPer, 3),
      ratio(r.old.msPer, r.log.msPer),
    ]),
  );
  console.log(`\n${kind}, append + compact over all ${total.changes} changes: ${fmtBytes(total.bytes)} written (${fmtBytes(total.bytesPer)} per change), ${fmt(total.msPer, 3)} ms per change`);
  console.log(
    `${kind}, DocSync.open (median of 5) at ${MESSAGES}+ messages: whole state ${fmt(load.oldMs, 1)} ms; state + ${load.records} records ${fmt(load.logMs, 1)} ms (${ratio(load.logMs, load.oldMs)})`,
  );
}
const warning = contentionWarning();
if (warning) console.log(warning);
