/**
 * What a catch-up costs the local store and the document, counted rather than
 * timed: the entries of a catch-up batch are applied in one Yjs transaction,
 * the local log seals one record per write (not one per entry), the whole
 * state is compacted once the announced history has arrived (not at every save
 * of a long catch-up), and a relay snapshot is compacted by the next save
 * rather than at once. Remote transactions are not encoded for DocSync's
 * local-change listener, yet changes observers make in reaction are sealed.
 * A page of entries is opened once the turn that received it ends. Each restart checks that nothing counted away was lost:
 * the document, the cursor and the author counters come back from the store.
 */
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { loadCrypto } from '../crypto/load.ts';
import { generateDeviceIdentity } from '../crypto/keys.ts';
import { createCounterTracker, EnvelopeKind, ZERO_PREV } from '../envelope/index.ts';
import { newDocId, newWorkspaceId, type DeviceId } from '../ids.ts';
import { Scope } from '../keyring/scopes.ts';
import { generateWorkspaceKeys } from '../keyring/workspace-keys.ts';
import { CapMode, FrameType, type Frame } from '../wire/frames.ts';
import { createDocCipher } from '../workspace/cipher.ts';
import type { MemberRecord } from '../workspace/directory.ts';
import type { DocCipher } from './doc-cipher.ts';
import { MemoryDocStore, type SyncMeta, type UpdateRecord } from './doc-store.ts';
import { DocSync } from './doc-sync.ts';
import { encodeCoveredState } from './local-state.ts';
import { encodeLocalUpdate } from './local-update.ts';
import { pushMessage } from './test-support.ts';
import { codeOf } from '../testkit/error-code.ts';

const crypto = await loadCrypto({ ed25519: 'sodium' });

/** A MemoryDocStore that counts the records and compactions handed to it. */
class CountingStore extends MemoryDocStore {
  records = 0;
  compactions = 0;
  override append(records: readonly UpdateRecord[], meta: SyncMeta, acked: readonly number[] = []): Promise<void> {
    this.records += records.length;
    return super.append(records, meta, acked);
  }
  override compact(state: Uint8Array, through: number, meta: SyncMeta): Promise<void> {
    this.compactions++;
    return super.compact(state, through, meta);
  }
}

function setup() {
  const keys = generateWorkspaceKeys(crypto, newWorkspaceId());
  const doc = newDocId();
  const members = new Map<DeviceId, MemberRecord>();
  const localKey = crypto.randomBytes(32);
  const cipherOf = (): DocCipher => {
    const identity = generateDeviceIdentity(crypto);
    members.set(identity.deviceId, { role: 'device' });
    return createDocCipher({ crypto, identity, doc, scope: Scope.Chats, keys: () => keys.get(Scope.Chats)!, directory: { member: (d) => members.get(d) }, localKey });
  };
  // The reader's cipher, with its at-rest sealings counted; the same device after every restart.
  const reader = cipherOf();
  let sealings = 0;
  const counted: DocCipher = Object.assign(Object.create(reader) as DocCipher, {
    sealLocal: (plaintext: Uint8Array) => {
      sealings++;
      return reader.sealLocal(plaintext);
    },
  });
  const store = new CountingStore();

  // Another device's history: one message per envelope, chained as its DocSync would seal them.
  const writer = cipherOf();
  const theirs = new Y.Doc();
  const envelopes: Uint8Array[] = [];
  const updates: Uint8Array[] = [];
  let prev = ZERO_PREV;
  const write = (n: number): void => {
    for (let i = 0; i < n; i++) {
      const update = pushMessage(theirs, `message ${envelopes.length + 1}`);
      updates.push(update);
      const envelope = writer.seal(EnvelopeKind.Update, envelopes.length + 1, update, prev);
      prev = writer.chainHash(envelope);
      envelopes.push(envelope);
    }
  };
  const snapshotAt = (seq: number): Uint8Array => {
    const d = new Y.Doc();
    for (const u of updates.slice(0, seq)) Y.applyUpdate(d, u);
    return writer.seal(EnvelopeKind.Snapshot, seq, encodeCoveredState({ seq, covers: new Map([[writer.self, seq]]), state: Y.encodeStateAsUpdate(d) }));
  };

  const problems: string[] = [];
  const sent: Frame[] = [];
  /** Opens the reader over the store (a restart when called again) and subscribes it; `head` is the relay's history length. */
  const open = async (head: number, snapshotSeq = 0): Promise<{ sync: DocSync; updateEvents: () => number }> => {
    const ydoc = new Y.Doc();
    let events = 0;
    ydoc.on('update', () => void events++);
    const sync = await DocSync.open({ doc, ydoc, cipher: counted, store, counters: createCounterTracker(), saveDebounceMs: 60_000 });
    sync.on('problem', (p) => problems.push(p.code));
    sync.attach({ send: (f) => sent.push(f), nonce: new Uint8Array(32), maxFrameBytes: 1 << 20 });
    sync.handle({ type: FrameType.Subscribed, doc, mode: CapMode.Read, head, snapshotSeq });
    return { sync, updateEvents: () => events };
  };
  const entry = (seq: number): Frame => ({ type: FrameType.Entry, doc, seq, envelope: envelopes[seq - 1]! });
  const messages = (s: DocSync): string[] => s.ydoc.getArray<string>('messages').toArray();
  /** What this device's envelopes sent so far hold, applied to a new document. */
  const sentDoc = (): Y.Doc => {
    const d = new Y.Doc();
    for (const f of sent) if (f.type === FrameType.Envelope) Y.applyUpdate(d, reader.open(f.envelope, { check() {} }).plaintext);
    return d;
  };
  return { doc, reader, store, envelopes, write, snapshotAt, open, entry, messages, problems, sentDoc, sealings: () => sealings };
}

describe('DocSync catch-up: what it writes and applies', () => {
  it('applies each batch in one transaction, seals one record per save and compacts once the history arrived', async () => {
    const t = setup();
    t.write(1200);
    const { sync, updateEvents } = await t.open(1200);
    for (let seq = 1; seq <= 600; seq++) sync.handle(t.entry(seq));
    // A save in the middle of the catch-up: one sealed record for the 512 entries opened so far, no compaction.
    await sync.persist();
    expect(t.store.compactions).toBe(0);
    expect([t.store.records, t.sealings()]).toEqual([1, 1]);
    for (let seq = 601; seq <= 1200; seq++) sync.handle(t.entry(seq));
    sync.handle({ type: FrameType.CaughtUp, doc: t.doc, head: 1200 });
    // One transaction per batch: 512 entries (full), the 88 the save opened, 512 (full), the 88 up to the head.
    expect(updateEvents()).toBe(4);
    await sync.persist();
    expect(t.store.compactions).toBe(1);
    expect(t.sealings()).toBe(2);
    expect(t.messages(sync)).toHaveLength(1200);
    expect(t.problems).toEqual([]);

    // A restart without close: everything is in the compacted state.
    const again = await t.open(1200);
    expect(again.sync.cursor).toBe(1200);
    expect(t.messages(again.sync)).toEqual(t.messages(sync));
  });

  it('a crash in the middle of a catch-up keeps what was saved, and the author counters with it', async () => {
    const t = setup();
    t.write(700);
    const { sync } = await t.open(700);
    for (let seq = 1; seq <= 600; seq++) sync.handle(t.entry(seq));
    await sync.persist();
    // Crash after the save (persist opens the partial batch first): the 600 entries are in the records ...
    const again = await t.open(700);
    expect(again.sync.cursor).toBe(600);
    expect(t.messages(again.sync)).toHaveLength(600);
    // ... and a replayed counter is still refused after the restart.
    again.sync.handle({ type: FrameType.Entry, doc: t.doc, seq: 601, envelope: t.envelopes[599]! });
    again.sync.handle({ type: FrameType.CaughtUp, doc: t.doc, head: 601 });
    expect(t.problems).toContain('E_REPLAY');
    expect(t.messages(again.sync)).toHaveLength(600);
  });

  it('compacts a relay snapshot at the next save, before any record written after it', async () => {
    const t = setup();
    t.write(300);
    const { sync } = await t.open(300, 250);
    sync.handle({ type: FrameType.Snapshot, doc: t.doc, seq: 250, envelope: t.snapshotAt(250) });
    // Nothing re-encodes the state while the load goes on (flush waits for every queued write).
    await sync.flush();
    expect(t.store.compactions).toBe(0);
    for (let seq = 251; seq <= 300; seq++) sync.handle(t.entry(seq));
    sync.handle({ type: FrameType.CaughtUp, doc: t.doc, head: 300 });
    expect(t.messages(sync)).toHaveLength(300);
    await sync.persist();
    // The save compacts (the stored state would lack the snapshot), and the tail needs no record of its own.
    expect([t.store.compactions, t.store.records]).toEqual([1, 0]);
    const again = await t.open(300);
    expect(again.sync.cursor).toBe(300);
    expect(t.messages(again.sync)).toEqual(t.messages(sync));
    expect(t.problems).toEqual([]);
  });

  it('a change an observer makes in reaction to a catch-up batch or a snapshot is still sealed', async () => {
    const t = setup();
    t.write(40);
    const { sync } = await t.open(40, 20);
    const replies = sync.ydoc.getArray<string>('replies');
    // The application answers what arrives, inside Yjs's observer calls of the remote transaction.
    sync.ydoc.getArray<string>('messages').observe((e) => {
      for (const item of e.changes.added) for (const text of item.content.getContent() as string[]) if (text === 'message 10' || text === 'message 30') replies.push([`re: ${text}`]);
    });
    sync.handle({ type: FrameType.Snapshot, doc: t.doc, seq: 20, envelope: t.snapshotAt(20) });
    for (let seq = 21; seq <= 40; seq++) sync.handle(t.entry(seq));
    sync.handle({ type: FrameType.CaughtUp, doc: t.doc, head: 40 });
    await sync.flush();
    expect(replies.toArray()).toEqual(['re: message 10', 're: message 30']);
    // Both answers are local changes: sealed and sent; so is a plain local change after them.
    expect(t.sentDoc().getArray<string>('replies').toArray()).toEqual(['re: message 10', 're: message 30']);
    replies.push(['by hand']);
    await sync.flush();
    expect(t.sentDoc().getArray<string>('replies').toArray()).toEqual(['re: message 10', 're: message 30', 'by hand']);
    expect(t.problems).toEqual([]);
  });

  it('opens the entries received so far once they are handled, before the rest of the history arrives', async () => {
    const t = setup();
    t.write(300);
    const { sync, updateEvents } = await t.open(300);
    // One relay page arrives in one turn of the event loop ...
    for (let seq = 1; seq <= 128; seq++) sync.handle(t.entry(seq));
    expect(t.messages(sync)).toHaveLength(0);
    // ... and is applied, as one batch, right after it: not after a delay, not at the head.
    await new Promise<void>((resolve) => setImmediate(resolve));
    expect(t.messages(sync)).toHaveLength(128);
    expect(updateEvents()).toBe(1);
    for (let seq = 129; seq <= 300; seq++) sync.handle(t.entry(seq));
    sync.handle({ type: FrameType.CaughtUp, doc: t.doc, head: 300 });
    expect(t.messages(sync)).toHaveLength(300);
    expect(updateEvents()).toBe(2);
    expect(t.problems).toEqual([]);
  });

  it('still loads records an older version wrote, one update per record', async () => {
    const t = setup();
    t.write(3);
    // The records as the former layout stored them: ids 1..3, one sealed update each.
    const old = new MemoryDocStore();
    const opened = t.envelopes.map((e) => t.reader.open(e, { check() {} }));
    await old.append(
      opened.map((o, i) => ({ id: i + 1, sealed: t.reader.sealLocal(encodeLocalUpdate({ seq: i + 1, author: { device: o.header.author, counter: o.header.counter }, update: o.plaintext })) })),
      { myCounter: 0, maxSeenSeq: 3 },
    );
    const counters = createCounterTracker();
    const sync = await DocSync.open({ doc: t.doc, ydoc: new Y.Doc(), cipher: t.reader, store: old, counters, saveDebounceMs: 60_000 });
    expect(sync.cursor).toBe(3);
    expect(t.messages(sync)).toEqual(['message 1', 'message 2', 'message 3']);
    expect(codeOf(() => counters.check(opened[0]!.header.author, EnvelopeKind.Update, 3))).toBe('E_REPLAY');
  });
});
