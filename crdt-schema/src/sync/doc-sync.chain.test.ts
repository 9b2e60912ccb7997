/**
 * Catch-up through the authors' hash chains: a reader catching up checks one
 * Ed25519 signature per author per batch (counted by wrapping the crypto
 * provider's verify), and a relay that breaks, swaps into or forks a chain, or
 * an author that chains to an envelope naming another author, gets nothing
 * unverified applied and is reported with its code. The writers are real
 * DocSyncs, so the seal side's chain tracking is what produces the links.
 */
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { loadCrypto } from '../crypto/load.ts';
import { generateDeviceIdentity, type DeviceIdentity } from '../crypto/keys.ts';
import type { CryptoProvider } from '../crypto/provider.ts';
import { secret } from '../crypto/secret.ts';
import { createCounterTracker, EnvelopeKind, parseEnvelope, sealEnvelope, ZERO_PREV } from '../envelope/index.ts';
import { newDocId, newWorkspaceId, type DeviceId } from '../ids.ts';
import { deriveDocKeys } from '../keyring/doc-keys.ts';
import { Scope } from '../keyring/scopes.ts';
import { generateWorkspaceKeys } from '../keyring/workspace-keys.ts';
import { CapMode, FrameType, type EnvelopeFrame, type Frame } from '../wire/frames.ts';
import { createDocCipher } from '../workspace/cipher.ts';
import type { MemberRecord } from '../workspace/directory.ts';
import { MemoryDocStore } from './doc-store.ts';
import { DocSync } from './doc-sync.ts';

const crypto = await loadCrypto({ ed25519: 'sodium' });

/** The provider with its Ed25519 checks counted (one at a time, and off the thread for live entries). */
function countingVerify(base: CryptoProvider): { crypto: CryptoProvider; count: () => number } {
  let n = 0;
  const wrapped = Object.create(base) as CryptoProvider;
  wrapped.verify = (signature, message, publicKey) => {
    n++;
    return base.verify(signature, message, publicKey);
  };
  wrapped.verifyMany = (items) => {
    n += items.length;
    return base.verifyMany(items);
  };
  return { crypto: wrapped, count: () => n };
}

interface Written {
  readonly author: number;
  readonly counter: number;
  readonly text: string;
  readonly envelope: Uint8Array;
}

function world() {
  const keys = generateWorkspaceKeys(crypto, newWorkspaceId());
  const doc = newDocId();
  const members = new Map<DeviceId, MemberRecord>();
  const device = (): DeviceIdentity => {
    const identity = generateDeviceIdentity(crypto);
    members.set(identity.deviceId, { role: 'device' });
    return identity;
  };
  /** Each device's local storage key, so a reopened device reads what it stored. */
  const localKeys = new Map<DeviceId, Uint8Array>();
  const cipherFor = (identity: DeviceIdentity, provider: CryptoProvider = crypto) => {
    const localKey = localKeys.get(identity.deviceId) ?? crypto.randomBytes(32);
    localKeys.set(identity.deviceId, localKey);
    return createDocCipher({ crypto: provider, identity, doc, scope: Scope.Chats, keys: () => keys.get(Scope.Chats)!, directory: { member: (d) => members.get(d) }, localKey });
  };

  /** A writing device: a DocSync whose sealed envelopes are collected as the relay would store them. */
  const writer = async (index: number, store = new MemoryDocStore(), identity = device()) => {
    const cipher = cipherFor(identity);
    const sent: Frame[] = [];
    const sync = await DocSync.open({ doc, ydoc: new Y.Doc(), cipher, store, counters: createCounterTracker(), saveDebounceMs: 60_000 });
    sync.attach({ send: (f) => sent.push(f), nonce: new Uint8Array(32), maxFrameBytes: 1 << 20 });
    sync.handle({ type: FrameType.Subscribed, doc, mode: CapMode.Write, head: 0, snapshotSeq: 0 });
    sync.handle({ type: FrameType.CaughtUp, doc, head: 0 });
    let counter = 0;
    return {
      identity,
      cipher,
      sync,
      store,
      async write(text: string): Promise<Written> {
        sync.ydoc.getArray<string>('messages').push([text]);
        await sync.flush();
        const frame = sent.filter((f): f is EnvelopeFrame => f.type === FrameType.Envelope).at(-1)!;
        expect(frame.ref).toBe(++counter);
        return { author: index, counter, text, envelope: frame.envelope };
      },
    };
  };

  /** A reading device catching up from an empty state; `head` is what Subscribed announces. */
  const reader = async (head: number) => {
    const counted = countingVerify(crypto);
    const sync = await DocSync.open({ doc, ydoc: new Y.Doc(), cipher: cipherFor(device(), counted.crypto), store: new MemoryDocStore(), counters: createCounterTracker(), saveDebounceMs: 60_000 });
    const problems: string[] = [];
    sync.on('problem', (p) => problems.push(p.code));
    sync.attach({ send: () => {}, nonce: new Uint8Array(32), maxFrameBytes: 1 << 20 });
    sync.handle({ type: FrameType.Subscribed, doc, mode: CapMode.Read, head, snapshotSeq: 0 });
    const texts = (): string[] => [...sync.ydoc.getArray<string>('messages').toArray()].sort();
    /** Delivers envelopes as entries 1..n, then CaughtUp at n. */
    const catchUp = (envelopes: readonly Uint8Array[]): void => {
      envelopes.forEach((envelope, i) => sync.handle({ type: FrameType.Entry, doc, seq: i + 1, envelope }));
      sync.handle({ type: FrameType.CaughtUp, doc, head: envelopes.length });
    };
    return { sync, problems, texts, catchUp, verifies: counted.count };
  };

  /** `authors` writers taking turns, `perAuthor` changes each. */
  const history = async (authors: number, perAuthor: number) => {
    const writers = await Promise.all(Array.from({ length: authors }, (_, i) => writer(i)));
    const log: Written[] = [];
    for (let n = 1; n <= perAuthor; n++) for (const [i, w] of writers.entries()) log.push(await w.write(`${i}:${n}`));
    return { writers, log };
  };

  const docKey = () => {
    const view = deriveDocKeys(crypto, keys.get(Scope.Chats)!, doc);
    return { epoch: view.current, key: secret(view.contentKey(view.current)!) };
  };
  const update = (text: string): Uint8Array => {
    const d = new Y.Doc();
    d.getArray<string>('messages').push([text]);
    return Y.encodeStateAsUpdate(d);
  };
  return { doc, writer, reader, history, docKey, update };
}

const sorted = (xs: readonly string[]): string[] => [...xs].sort();
const textsOf = (log: readonly Written[], keep: (w: Written) => boolean = () => true): string[] => sorted(log.filter(keep).map((w) => w.text));

describe('catch-up through the authors hash chains', () => {
  it('10,000 entries from 3 authors cost about one signature check per author per batch; a live entry keeps its own', async () => {
    const w = world();
    const { writers, log } = await w.history(3, 3334);
    const entries = log.slice(0, 10_000);
    const r = await w.reader(entries.length);
    r.catchUp(entries.map((e) => e.envelope));
    expect(r.problems).toEqual([]);
    expect(r.texts()).toEqual(textsOf(entries));
    const batches = Math.ceil(entries.length / 512);
    // One anchor per author per batch when every chain is intact: 3 x 20 = 60, against 10,000 one at a time.
    expect(r.verifies()).toBeLessThanOrEqual(writers.length * batches);
    expect(r.verifies()).toBeGreaterThanOrEqual(writers.length);

    const before = r.verifies();
    const live = await writers[0]!.write('live');
    r.sync.handle({ type: FrameType.Entry, doc: w.doc, seq: 10_001, envelope: log[10_000]!.envelope });
    r.sync.handle({ type: FrameType.Entry, doc: w.doc, seq: 10_002, envelope: live.envelope });
    await r.sync.settled();
    expect(r.verifies()).toBe(before + 2);
    expect(r.texts()).toContain('live');
    expect(r.problems).toEqual([]);
  });

  it('a writer sealing chains each update to its previous one; reopened with unacknowledged changes, it continues the chain', async () => {
    const w = world();
    const first = await w.writer(0);
    const a = await first.write('0:1');
    const b = await first.write('0:2');
    expect(parseEnvelope(a.envelope).header.prev).toEqual(ZERO_PREV);
    expect(parseEnvelope(b.envelope).header.prev).toEqual(first.cipher.chainHash(a.envelope));
    // A restart: the same device and store, with both changes still unacknowledged.
    const again = await w.writer(0, first.store, first.identity);
    again.sync.ydoc.getArray<string>('messages').push(['0:3']);
    await again.sync.flush();
    const r = await w.reader(3);
    const third = (await first.store.load()).outbox.at(-1)!;
    expect(third.counter).toBe(3);
    expect(parseEnvelope(third.envelope).header.prev).toEqual(first.cipher.chainHash(b.envelope));
    r.catchUp([a.envelope, b.envelope, third.envelope]);
    expect(r.problems).toEqual([]);
    expect(r.verifies()).toBe(1);
  });

  it('a writer reopened after its changes were acknowledged continues the chain from the link saved with its meta', async () => {
    const w = world();
    const first = await w.writer(0);
    const a = await first.write('0:1');
    const b = await first.write('0:2');
    first.sync.handle({ type: FrameType.Ack, doc: w.doc, ref: 1, seq: 1 });
    first.sync.handle({ type: FrameType.Ack, doc: w.doc, ref: 2, seq: 2 });
    await first.sync.persist();
    expect((await first.store.load()).outbox).toEqual([]);
    const again = await w.writer(0, first.store, first.identity);
    again.sync.ydoc.getArray<string>('messages').push(['0:3']);
    await again.sync.flush();
    const third = (await first.store.load()).outbox.at(-1)!;
    expect(third.counter).toBe(3);
    expect(parseEnvelope(third.envelope).header.prev).toEqual(first.cipher.chainHash(b.envelope));
    const r = await w.reader(3);
    r.catchUp([a.envelope, b.envelope, third.envelope]);
    expect(r.problems).toEqual([]);
    expect(r.verifies()).toBe(1);
  });

  it("a broken chain (an entry's bytes changed): E_BAD_SIGNATURE, the author's later entries withheld, nothing unverified applied", async () => {
    const w = world();
    const { log } = await w.history(3, 8);
    const at = log.findIndex((e) => e.author === 0 && e.counter === 4);
    const envelopes = log.map((e) => e.envelope);
    const bad = envelopes[at]!.slice();
    bad[bad.length - 80]! ^= 0x01;
    envelopes[at] = bad;
    const r = await w.reader(envelopes.length);
    r.catchUp(envelopes);
    expect(r.problems).toEqual(['E_BAD_SIGNATURE', 'E_WITHHELD']);
    expect(r.texts()).toEqual(textsOf(log, (e) => !(e.author === 0 && e.counter >= 4)));
  });

  it("a changed anchor (an author's newest entry): only that entry is refused; the chain below it is checked on its own", async () => {
    const w = world();
    const { log } = await w.history(3, 8);
    const at = log.findIndex((e) => e.author === 1 && e.counter === 8);
    const envelopes = log.map((e) => e.envelope);
    const bad = envelopes[at]!.slice();
    bad[bad.length - 1]! ^= 0x80;
    envelopes[at] = bad;
    const r = await w.reader(envelopes.length);
    r.catchUp(envelopes);
    expect(r.problems).toEqual(['E_BAD_SIGNATURE']);
    expect(r.texts()).toEqual(textsOf(log, (e) => !(e.author === 1 && e.counter === 8)));
    // The refused anchor, then its predecessor as the new anchor, and one per other author.
    expect(r.verifies()).toBe(4);
  });

  it('a chain with one entry swapped for another validly signed entry of the same author: the swapped one stands on its own signature', async () => {
    const w = world();
    const { log } = await w.history(3, 8);
    const at = log.findIndex((e) => e.author === 0 && e.counter === 4);
    const older = log.find((e) => e.author === 0 && e.counter === 2)!;
    const envelopes = log.map((e) => e.envelope);
    envelopes[at] = older.envelope;
    const r = await w.reader(envelopes.length);
    r.catchUp(envelopes);
    expect(r.problems).toEqual(['E_REPLAY', 'E_WITHHELD']);
    expect(r.texts()).toEqual(textsOf(log, (e) => !(e.author === 0 && e.counter >= 4)));
    // Author 0: its anchor, the swapped entry and counter 3 (whose successor is missing); one each for the others.
    expect(r.verifies()).toBe(5);
  });

  it('a chain forked by the relay (two envelopes for one author and counter): the second is refused, its content never applied', async () => {
    const w = world();
    const { writers, log } = await w.history(3, 8);
    const at = log.findIndex((e) => e.author === 2 && e.counter === 4);
    const third = log.find((e) => e.author === 2 && e.counter === 3)!;
    // A sibling the author did sign (same counter, same prev, other content), and a copy altered by the relay.
    const signedSibling = writers[2]!.cipher.seal(EnvelopeKind.Update, 4, w.update('fork: signed sibling'), writers[2]!.cipher.chainHash(third.envelope));
    const altered = log[at]!.envelope.slice();
    altered[altered.length - 70]! ^= 0x04;
    const envelopes = log.map((e) => e.envelope);
    envelopes.splice(at + 1, 0, signedSibling, altered);
    const r = await w.reader(envelopes.length);
    r.catchUp(envelopes);
    expect(r.problems).toEqual(['E_REPLAY', 'E_BAD_SIGNATURE']);
    expect(r.texts()).toEqual(textsOf(log));
  });

  it('an author chaining to an envelope that names another author does not get it accepted through the chain', async () => {
    const w = world();
    const { writers, log } = await w.history(2, 8);
    const [alice, bob] = writers as [Awaited<ReturnType<typeof w.writer>>, Awaited<ReturnType<typeof w.writer>>];
    const bob8 = log.find((e) => e.author === 1 && e.counter === 8)!;
    const bob9 = bob.cipher.seal(EnvelopeKind.Update, 9, w.update('bob 9'), bob.cipher.chainHash(bob8.envelope));
    // Bob seals a complete envelope whose header names Alice's next counter, signs it with his own key,
    // and names it as the predecessor of his own next update.
    const { epoch, key } = w.docKey();
    const posingAsAlice: DeviceIdentity = { ...bob.identity, deviceId: alice.identity.deviceId };
    const fake = sealEnvelope(crypto, { kind: EnvelopeKind.Update, doc: w.doc, epoch, key, author: posingAsAlice, counter: 9, plaintext: w.update('fake alice 9'), prev: ZERO_PREV });
    const bob10 = bob.cipher.seal(EnvelopeKind.Update, 10, w.update('bob 10'), bob.cipher.chainHash(fake));
    const envelopes = [...log.map((e) => e.envelope), bob9, fake, bob10];
    const r = await w.reader(envelopes.length);
    r.catchUp(envelopes);
    expect(r.problems).toEqual(['E_BAD_SIGNATURE']);
    expect(r.texts()).toEqual(sorted([...textsOf(log), 'bob 9', 'bob 10']));
  });
});
