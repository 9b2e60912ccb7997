/**
 * DocSync's local log: every applied update is appended as one small sealed
 * record, compacted past the threshold and on close, and a restart (a new
 * DocSync over the same store, with no close before it, as after a crash)
 * rebuilds the document, the relay cursor and the author counters from what
 * was written, never more.
 */
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { loadCrypto } from '../crypto/load.ts';
import { generateDeviceIdentity } from '../crypto/keys.ts';
import { createCounterTracker, EnvelopeKind } from '../envelope/index.ts';
import { newDocId, newWorkspaceId, type DeviceId } from '../ids.ts';
import { Scope } from '../keyring/scopes.ts';
import { generateWorkspaceKeys } from '../keyring/workspace-keys.ts';
import { CapMode, FrameType, type Frame } from '../wire/frames.ts';
import { createDocCipher } from '../workspace/cipher.ts';
import type { MemberRecord } from '../workspace/directory.ts';
import { MemoryDocStore, type SyncMeta, type UpdateRecord } from './doc-store.ts';
import { DocSync } from './doc-sync.ts';
import { pushMessage } from './test-support.ts';

const crypto = await loadCrypto({ ed25519: 'sodium' });

/** A MemoryDocStore that records the bytes each call hands it. */
class MeteredStore extends MemoryDocStore {
  appended: number[] = [];
  compactions: number[] = [];
  override append(records: readonly UpdateRecord[], meta: SyncMeta, acked: readonly number[] = []): Promise<void> {
    this.appended.push(records.reduce((n, r) => n + r.sealed.length, 0));
    return super.append(records, meta, acked);
  }
  override compact(state: Uint8Array, through: number, meta: SyncMeta): Promise<void> {
    this.compactions.push(state.length);
    return super.compact(state, through, meta);
  }
}

function setup() {
  const workspace = newWorkspaceId();
  const keys = generateWorkspaceKeys(crypto, workspace);
  const doc = newDocId();
  const members = new Map<DeviceId, MemberRecord>();
  const device = () => {
    const identity = generateDeviceIdentity(crypto);
    members.set(identity.deviceId, { role: 'device' });
    const localKey = crypto.randomBytes(32);
    return createDocCipher({ crypto, identity, doc, scope: Scope.Chats, keys: () => keys.get(Scope.Chats)!, directory: { member: (d) => members.get(d) }, localKey });
  };
  const me = device();
  const other = device();
  /** At-rest seals by this device (records, states). */
  let seals = 0;
  const sealLocal = me.sealLocal.bind(me);
  me.sealLocal = (plaintext) => {
    seals++;
    return sealLocal(plaintext);
  };
  const store = new MeteredStore();
  const sent: Frame[] = [];
  const problems: string[] = [];
  /** Opens a DocSync over the store and subscribes it; `head` is the relay's history length. */
  const open = async (head = 0, compactAfter = 500): Promise<DocSync> => {
    const sync = await DocSync.open({ doc, ydoc: new Y.Doc(), cipher: me, store, counters: createCounterTracker(), saveDebounceMs: 60_000, compactAfter });
    sync.on('problem', (p) => problems.push(p.code));
    sync.attach({ send: (f) => sent.push(f), nonce: new Uint8Array(32), maxFrameBytes: 1 << 20 });
    sync.handle({ type: FrameType.Subscribed, doc, mode: CapMode.Write, head, snapshotSeq: 0 });
    return sync;
  };
  // The other device's edits, sealed with its counters, delivered as relay entries.
  const theirs = new Y.Doc();
  let theirCounter = 0;
  const entry = (seq: number, text: string): Frame => {
    const update = pushMessage(theirs, text);
    return { type: FrameType.Entry, doc, seq, envelope: other.seal(EnvelopeKind.Update, ++theirCounter, update) };
  };
  const replay = (seq: number, counter: number, text: string): Frame => {
    const d = new Y.Doc();
    d.getArray<string>('messages').push([text]);
    return { type: FrameType.Entry, doc, seq, envelope: other.seal(EnvelopeKind.Update, counter, Y.encodeStateAsUpdate(d)) };
  };
  const lastSent = (type: number): Frame | undefined => [...sent].reverse().find((f) => f.type === type);
  const messages = (s: DocSync): string[] => s.ydoc.getArray<string>('messages').toArray();
  return { doc, store, sent, problems, open, entry, replay, lastSent, messages, seals: () => seals };
}

describe('DocSync local log', () => {
  it('a restart without compaction rebuilds the document, the cursor and the counters from the records', async () => {
    const t = setup();
    const a = await t.open();
    for (let seq = 1; seq <= 5; seq++) a.handle(t.entry(seq, `remote ${seq}`));
    a.ydoc.getArray<string>('messages').push(['mine']);
    await a.flush();
    const put = t.lastSent(FrameType.Envelope) as { ref: number };
    a.handle({ type: FrameType.Ack, doc: t.doc, ref: put.ref, seq: 6 });
    await a.persist();
    const stored = await t.store.load();
    expect(stored.state).toBeNull();
    // One write, one sealed record holding the six updates.
    expect(stored.updates).toHaveLength(1);
    expect(stored.outbox).toEqual([]);

    const b = await t.open(6);
    expect(b.cursor).toBe(6);
    expect([...t.messages(b)].sort()).toEqual([...t.messages(a)].sort());
    expect((t.lastSent(FrameType.Subscribe) as { cursor: number }).cursor).toBe(6);
    // The other device's counters came back too: its counter 3 again is a replay, its next one fits.
    b.handle(t.replay(7, 3, 'replayed'));
    expect(t.problems).toEqual(['E_REPLAY']);
    b.handle(t.entry(8, 'remote 6'));
    expect(t.messages(b)).toContain('remote 6');
    expect(t.messages(b)).not.toContain('replayed');
    // This device's counter continues after the acknowledged change.
    b.ydoc.getArray<string>('messages').push(['mine again']);
    await b.flush();
    expect((t.lastSent(FrameType.Envelope) as { ref: number }).ref).toBe(put.ref + 1);
  });

  it('the cursor never runs ahead of the records written before a crash', async () => {
    const t = setup();
    const a = await t.open();
    const frames = [1, 2, 3, 4, 5].map((seq) => t.entry(seq, `remote ${seq}`));
    for (const f of frames.slice(0, 3)) a.handle(f);
    await a.persist();
    for (const f of frames.slice(3)) a.handle(f);
    // Crash: entries 4 and 5 were applied but never written.
    const b = await t.open(5);
    expect(b.cursor).toBe(3);
    expect(t.messages(b)).toEqual(['remote 1', 'remote 2', 'remote 3']);
    for (const f of frames.slice(3)) b.handle(f);
    expect(t.messages(b)).toEqual(['remote 1', 'remote 2', 'remote 3', 'remote 4', 'remote 5']);
    expect(t.problems).toEqual([]);
  });

  it('compacts past the threshold and on close, and loses no update', async () => {
    const t = setup();
    const a = await t.open(0, 10);
    for (let seq = 1; seq <= 25; seq++) {
      a.handle(t.entry(seq, `remote ${seq}`));
      await a.persist();
      expect((await t.store.load()).updates.length).toBeLessThan(10);
    }
    expect(t.store.compactions).toHaveLength(2);
    // Crash after the compactions: the state and the records after it hold everything.
    const b = await t.open(25, 10);
    expect(b.cursor).toBe(25);
    expect(t.messages(b)).toHaveLength(25);
    await b.close();
    const closed = await t.store.load();
    expect(closed.updates).toEqual([]);
    const c = await t.open(25, 10);
    expect(c.cursor).toBe(25);
    expect(t.messages(c)).toEqual(t.messages(a));
    expect(t.problems).toEqual([]);
  });

  it('records are sealed when their batch is written, not as entries are applied; a compaction seals only its state', async () => {
    const t = setup();
    const a = await t.open(0, 10);
    a.handle({ type: FrameType.CaughtUp, doc: t.doc, head: 0 });
    for (let seq = 1; seq <= 4; seq++) a.handle(t.entry(seq, `remote ${seq}`));
    await a.settled();
    expect(t.messages(a)).toHaveLength(4);
    expect(t.seals()).toBe(0);
    await a.persist();
    // One write: one sealed record holding the four updates.
    expect(t.seals()).toBe(1);
    expect((await t.store.load()).updates).toHaveLength(1);
    // Past the threshold the buffered records go into the compacted state, unsealed on their own.
    for (let seq = 5; seq <= 12; seq++) a.handle(t.entry(seq, `remote ${seq}`));
    await a.settled();
    await a.persist();
    expect(t.seals()).toBe(2);
    expect(t.store.compactions).toHaveLength(1);
    const b = await t.open(12, 10);
    expect(b.cursor).toBe(12);
    expect(t.messages(b)).toEqual(t.messages(a));
    expect(t.problems).toEqual([]);
  });

  it('a change writes its own size, not the document', async () => {
    const t = setup();
    const a = await t.open();
    for (let seq = 1; seq <= 300; seq++) a.handle(t.entry(seq, `message ${seq} `.padEnd(120, 'x')));
    await a.persist();
    const stateBytes = Y.encodeStateAsUpdate(a.ydoc).length;
    a.handle(t.entry(301, 'one more'));
    await a.persist();
    const last = t.store.appended.at(-1)!;
    expect(stateBytes).toBeGreaterThan(30_000);
    expect(last).toBeLessThan(300);
  });
});

describe('DocSync relay ledger', () => {
  it('notes each entry with the sealed size the relay holds, its author and direction; replays and unacked changes are not noted', async () => {
    const t = setup();
    const a = await t.open();
    const e1 = t.entry(1, 'remote one') as { envelope: Uint8Array };
    const e2 = t.entry(2, 'remote two, a little longer') as { envelope: Uint8Array };
    a.handle(e1 as Frame);
    a.handle(e2 as Frame);
    a.ydoc.getArray<string>('messages').push(['mine']);
    await a.flush();
    const put = t.lastSent(FrameType.Envelope) as { ref: number; envelope: Uint8Array };
    expect(a.ledger.entries).toHaveLength(2);
    a.handle({ type: FrameType.Ack, doc: t.doc, ref: put.ref, seq: 3 });
    a.handle(t.replay(4, 1, 'replayed'));
    const ledger = a.ledger.entries;
    expect(ledger.map((e) => [e.seq, e.bytes, e.direction])).toEqual([
      [1, e1.envelope.byteLength, 'received'],
      [2, e2.envelope.byteLength, 'received'],
      [3, put.envelope.byteLength, 'sent'],
    ]);
    expect(new Set(ledger.map((e) => e.author)).size).toBe(2);
    expect(ledger[2]!.author).not.toBe(ledger[0]!.author);
  });
});
