/**
 * Live entries are verified off the calling thread (the provider's
 * verifyMany) while the frames after them wait: whatever order the verdicts
 * come back in, entries and the other frames are processed in arrival order,
 * nothing is applied before its verdict, and a bad signature is refused with
 * its code without letting the author's later entries in out of order. The
 * verifier here hands its verdicts back only when the test says so.
 */
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { loadCrypto } from '../crypto/load.ts';
import { generateDeviceIdentity } from '../crypto/keys.ts';
import type { CryptoProvider, VerifyItem } from '../crypto/provider.ts';
import { createCounterTracker, EnvelopeKind, parseEnvelope } from '../envelope/index.ts';
import { newDocId, newWorkspaceId, type DeviceId } from '../ids.ts';
import { Scope } from '../keyring/scopes.ts';
import { generateWorkspaceKeys } from '../keyring/workspace-keys.ts';
import { CapMode, FrameType, type EntryFrame, type Frame } from '../wire/frames.ts';
import { createDocCipher } from '../workspace/cipher.ts';
import type { MemberRecord } from '../workspace/directory.ts';
import { MemoryDocStore } from './doc-store.ts';
import { DocSync } from './doc-sync.ts';
import { LiveQueue } from './live-queue.ts';
import { SyncState } from './status.ts';
import { pushMessage } from './test-support.ts';

const base = await loadCrypto({ ed25519: 'sodium' });

interface Check {
  readonly item: VerifyItem;
  /** Hands the real verdict back. */
  release(): void;
}

/** A provider whose off-thread checks wait for the test; its one-at-a-time verify is counted. */
function heldVerifier(): { crypto: CryptoProvider; checks: Check[]; syncVerifies: () => number } {
  const checks: Check[] = [];
  let syncVerifies = 0;
  const crypto = Object.create(base) as CryptoProvider;
  crypto.verify = (signature, message, publicKey) => {
    syncVerifies++;
    return base.verify(signature, message, publicKey);
  };
  crypto.verifyMany = (items) =>
    Promise.all(
      items.map(
        (item) =>
          new Promise<boolean>((resolve) => {
            checks.push({ item, release: () => resolve(base.verify(item.signature, item.message, item.publicKey)) });
          }),
      ),
    );
  return { crypto, checks, syncVerifies: () => syncVerifies };
}

/** Lets pending promise callbacks and timers of this turn run. */
const turn = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));

async function setup(verifyLiveOffThread?: boolean, inbox?: LiveQueue) {
  const keys = generateWorkspaceKeys(base, newWorkspaceId());
  const doc = newDocId();
  const members = new Map<DeviceId, MemberRecord>();
  const verifier = heldVerifier();
  const cipherFor = (provider: CryptoProvider) => {
    const identity = generateDeviceIdentity(base);
    members.set(identity.deviceId, { role: 'device' });
    return createDocCipher({ crypto: provider, identity, doc, scope: Scope.Chats, keys: () => keys.get(Scope.Chats)!, directory: { member: (d) => members.get(d) }, localKey: base.randomBytes(32) });
  };
  const me = cipherFor(verifier.crypto);
  const sent: Frame[] = [];
  const problems: string[] = [];
  const sync = await DocSync.open({ doc, ydoc: new Y.Doc(), cipher: me, store: new MemoryDocStore(), counters: createCounterTracker(), saveDebounceMs: 60_000, ...(verifyLiveOffThread === undefined ? {} : { verifyLiveOffThread }) });
  sync.on('problem', (p) => problems.push(p.code));
  sync.attach({ send: (f) => sent.push(f), nonce: new Uint8Array(32), maxFrameBytes: 1 << 20, ...(inbox ? { inbox } : {}) });
  sync.handle({ type: FrameType.Subscribed, doc, mode: CapMode.Write, head: 0, snapshotSeq: 0 });
  sync.handle({ type: FrameType.CaughtUp, doc, head: 0 });

  /** Another device: its edits sealed with its counters, as entries at the seq the relay gives. */
  const author = () => {
    const cipher = cipherFor(base);
    const ydoc = new Y.Doc();
    let counter = 0;
    const entry = (seq: number, text: string): EntryFrame => {
      const update = pushMessage(ydoc, text);
      return { type: FrameType.Entry, doc, seq, envelope: cipher.seal(EnvelopeKind.Update, ++counter, update) };
    };
    /** A stream payload (terminal input or output) from this device. */
    const stream = (text: string): Frame => ({ type: FrameType.Stream, doc, from: cipher.self, to: '', payload: cipher.sealEphemeral('stream', new TextEncoder().encode(text)) });
    return Object.assign(entry, { stream });
  };
  const messages = (): string[] => sync.ydoc.getArray<string>('messages').toArray();
  const checkOf = (frame: { envelope: Uint8Array }): Check => {
    const signature = parseEnvelope(frame.envelope).signature;
    const found = verifier.checks.find((c) => c.item.signature.every((b, i) => b === signature[i]));
    if (!found) throw new Error('no check in flight for this entry');
    return found;
  };
  return { doc, sync, sent, problems, author, messages, checkOf, verifier };
}

describe('DocSync live entries verified off the thread', () => {
  it('verdicts coming back in any order: nothing applied before the first, then every frame in arrival order', async () => {
    const t = await setup();
    const a = t.author();
    const b = t.author();
    t.sync.ydoc.getArray<string>('messages').push(['mine']);
    await t.sync.flush();
    const put = t.sent.find((f) => f.type === FrameType.Envelope) as { ref: number };
    const frames = [a(1, 'a1'), b(2, 'b1')];
    const later = a(4, 'a2');
    for (const f of frames) t.sync.handle(f);
    t.sync.handle({ type: FrameType.Ack, doc: t.doc, ref: put.ref, seq: 3 });
    t.sync.handle(later);
    expect(t.verifier.checks).toHaveLength(3);

    // The later verdicts arrive first: the entries behind the first one, and the ack between them, wait.
    t.checkOf(later).release();
    t.checkOf(frames[1]!).release();
    await turn();
    expect(t.messages()).toEqual(['mine']);
    expect(t.sync.ledger.entries).toEqual([]);
    expect(t.sync.unacked).toBe(1);

    t.checkOf(frames[0]!).release();
    await t.sync.settled();
    expect(t.sync.ledger.entries.map((e) => e.seq)).toEqual([1, 2, 3, 4]);
    expect(t.sync.unacked).toBe(0);
    expect(t.sync.cursor).toBe(4);
    expect([...t.messages()].sort()).toEqual(['a1', 'a2', 'b1', 'mine']);
    expect(t.problems).toEqual([]);
    // Every live check went off the thread.
    expect(t.verifier.syncVerifies()).toBe(0);
  });

  it("a bad live signature: E_BAD_SIGNATURE, the entry never applied, and its author's later entry not let in out of order", async () => {
    const t = await setup();
    const a = t.author();
    const b = t.author();
    const good = a(1, 'a1');
    const bad = a(2, 'a2');
    bad.envelope = bad.envelope.slice();
    bad.envelope[bad.envelope.length - 80]! ^= 0x01;
    const after = a(3, 'a3');
    const other = b(4, 'b1');
    for (const f of [good, bad, after, other]) t.sync.handle(f);
    for (const f of [other, after, bad]) t.checkOf(f).release();
    await turn();
    expect(t.messages()).toEqual([]);
    t.checkOf(good).release();
    await t.sync.settled();
    expect(t.problems).toEqual(['E_BAD_SIGNATURE']);
    expect([...t.messages()].sort()).toEqual(['a1', 'b1']);
    // The refused entry is not counted: the cursor stops before it, so a later catch-up asks again.
    expect(t.sync.cursor).toBe(1);
    // Its author's next entry waits for it (and is reported withheld at the next CaughtUp).
    t.sync.handle({ type: FrameType.CaughtUp, doc: t.doc, head: 4 });
    await t.sync.settled();
    expect(t.problems).toContain('E_WITHHELD');
    expect(t.messages()).not.toContain('a3');
    expect(t.verifier.syncVerifies()).toBe(0);
  });

  it('an applied entry leaves no update listener behind (Yjs encodes nothing for it); local changes still go out', async () => {
    const t = await setup();
    const a = t.author();
    /** Whether Yjs would encode the next transaction as an update (it does only while someone listens). */
    const encodes = (): boolean => (t.sync.ydoc as unknown as { _observers: Map<string, unknown> })._observers.has('update');
    t.sync.ydoc.getArray<string>('messages').push(['mine']);
    await t.sync.flush();
    expect(t.sent.filter((f) => f.type === FrameType.Envelope)).toHaveLength(1);
    const entry = a(2, 'a1');
    t.sync.handle(entry);
    t.checkOf(entry).release();
    await t.sync.settled();
    expect(t.messages()).toContain('a1');
    expect(encodes()).toBe(false);
    t.sync.ydoc.getArray<string>('messages').push(['mine again']);
    await t.sync.flush();
    expect(t.sent.filter((f) => f.type === FrameType.Envelope)).toHaveLength(2);
    expect(t.problems).toEqual([]);
  });

  it('with verifyLiveOffThread off, a live entry is checked inline and applied within handle', async () => {
    const t = await setup(false);
    const a = t.author();
    const good = a(1, 'a1');
    const bad = a(2, 'a2');
    bad.envelope = bad.envelope.slice();
    bad.envelope[bad.envelope.length - 80]! ^= 0x01;
    t.sync.handle(good);
    expect(t.messages()).toEqual(['a1']);
    t.sync.handle(bad);
    expect(t.problems).toEqual(['E_BAD_SIGNATURE']);
    expect(t.messages()).toEqual(['a1']);
    expect(t.verifier.checks).toHaveLength(0);
    expect(t.verifier.syncVerifies()).toBe(2);
  });

  it('documents on one connection keep its frame order: a stream payload of another document waits behind an entry being verified', async () => {
    // As when an index entry revoking a device arrives just before that device's input to a session:
    // the input must meet the revocation, so it is not handled before the entry is applied.
    const inbox = new LiveQueue();
    const index = await setup(undefined, inbox);
    const session = await setup(undefined, inbox);
    const entry = index.author()(1, 'revocation');
    const typist = session.author();
    const streams: string[] = [];
    session.sync.on('stream', (_from, payload) => streams.push(new TextDecoder().decode(payload)));
    index.sync.handle(entry);
    session.sync.handle(typist.stream('input'));
    await turn();
    expect(streams).toEqual([]);
    index.checkOf(entry).release();
    await session.sync.settled();
    expect(index.messages()).toEqual(['revocation']);
    expect(streams).toEqual(['input']);
    expect([...index.problems, ...session.problems]).toEqual([]);
  });

  it("a document's catch-up queued behind another document's entry starts no off-thread checks of its own", async () => {
    const inbox = new LiveQueue();
    const busy = await setup(undefined, inbox);
    const late = await setup(undefined, inbox);
    const pending = busy.author()(1, 'busy');
    busy.sync.handle(pending);
    // The late document resubscribes on the shared connection while the entry is being verified.
    const a = late.author();
    const history = [a(1, 'h1'), a(2, 'h2'), a(3, 'h3')];
    expect(late.sync.resubscribe()).toBe(true);
    late.sync.handle({ type: FrameType.Subscribed, doc: late.doc, mode: CapMode.Write, head: 3, snapshotSeq: 0 });
    for (const f of history) late.sync.handle(f);
    late.sync.handle({ type: FrameType.CaughtUp, doc: late.doc, head: 3 });
    expect(late.verifier.checks).toHaveLength(0);
    busy.checkOf(pending).release();
    await late.sync.settled();
    expect(late.messages()).toEqual(['h1', 'h2', 'h3']);
    // Checked with the catch-up batch instead (these envelopes carry no chain links: one check each).
    expect(late.verifier.checks).toHaveLength(0);
    expect(late.verifier.syncVerifies()).toBe(3);
    expect([...busy.problems, ...late.problems]).toEqual([]);
  });

  it('a connection dropped while an entry is being verified: the entry is applied once verified, the frames after it from that connection are not', async () => {
    const t = await setup();
    const a = t.author();
    const entry = a(1, 'a1');
    t.sync.handle(entry);
    // A resubscription answer queued behind the entry, then the connection goes.
    t.sync.handle({ type: FrameType.Subscribed, doc: t.doc, mode: CapMode.Write, head: 1, snapshotSeq: 0 });
    t.sync.detach();
    t.checkOf(entry).release();
    await t.sync.settled();
    expect(t.messages()).toEqual(['a1']);
    expect(t.sync.cursor).toBe(1);
    // The stale Subscribed did not mark this device subscribed: it is offline and sends nothing.
    expect(t.sync.status.state).toBe(SyncState.Offline);
    expect(t.problems).toEqual([]);
  });

  it('an entry still being verified when its connection dropped, verdict in during the next catch-up: applied once, no reorder reported', async () => {
    const t = await setup();
    const a = t.author();
    const first = a(1, 'a1');
    const second = a(2, 'a2');
    const link = (inbox: LiveQueue) => ({ send: (f: Frame) => void t.sent.push(f), nonce: new Uint8Array(32), maxFrameBytes: 1 << 20, inbox });
    t.sync.detach();
    t.sync.attach(link(new LiveQueue()));
    t.sync.handle({ type: FrameType.Subscribed, doc: t.doc, mode: CapMode.Write, head: 0, snapshotSeq: 0 });
    t.sync.handle({ type: FrameType.CaughtUp, doc: t.doc, head: 0 });
    t.sync.handle(first);
    t.sync.detach();
    // The next connection catches up from the cursor (0): the same entry again, then the next one.
    t.sync.attach(link(new LiveQueue()));
    t.sync.handle({ type: FrameType.Subscribed, doc: t.doc, mode: CapMode.Write, head: 2, snapshotSeq: 0 });
    t.sync.handle({ ...first });
    t.sync.handle(second);
    // The old connection's verdict comes in mid catch-up.
    t.checkOf(first).release();
    await turn();
    t.sync.handle({ type: FrameType.CaughtUp, doc: t.doc, head: 2 });
    await t.sync.settled();
    expect(t.messages()).toEqual(['a1', 'a2']);
    expect(t.sync.cursor).toBe(2);
    expect(t.problems).toEqual([]);
  });
});
