/**
 * Every attack a malicious relay can mount on a peer, played by a
 * man-in-the-middle in front of the real relay: tampered bytes, a forged
 * author, a replayed entry, reordered entries, a withheld entry, and a rolled
 * back history. Each is detected with its code, and nothing bad is applied.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Context, generateDeviceIdentity, withContext, concatBytes } from '@tendril/crdt-schema/crypto';
import { encodeEnvelopeBody, encodeHeader, parseEnvelope } from '@tendril/crdt-schema/envelope';
import type { DocId } from '@tendril/crdt-schema/ids';
import { FrameType, type EntryFrame, type Frame } from '@tendril/crdt-schema/wire';
import { cliOk, eventually, startRelayProcess, tempDir, type RelayProcess } from './harness.ts';
import { startMitm, type MitmRelay } from './mitm-relay.ts';
import { makeWorkspace, type Workspace } from './peers.ts';
import type { WorkspaceSession } from '@tendril/crdt-schema/workspace';

const MESSAGES = 6;

describe('a malicious relay', () => {
  const dir = tempDir('attacks');
  let relay: RelayProcess;
  let mitm: MitmRelay;
  let ws: Workspace;
  let chatDoc: DocId;
  let joined = 1;

  beforeAll(async () => {
    relay = await startRelayProcess(join(dir.path, 'relay'));
    mitm = await startMitm(relay.url);
    ws = await makeWorkspace(dir.path, relay.url, 0);
    const admin = await ws.open(0);
    const { chat } = await admin.openChat(ws.chat);
    chatDoc = admin.workspace().chats.get(ws.chat)!.docId;
    for (let i = 0; i < MESSAGES; i++) {
      chat.addMessage({ author: admin.home.identity.deviceId, role: 'user', content: `message ${i}` });
      expect(await admin.syncOrQueue(10_000)).toBe('synced');
    }
    await admin.close();
  });
  afterAll(async () => {
    await mitm?.close();
    await relay?.kill();
    dir.remove();
  });

  /** A fresh device (joined through the honest relay), then opened through the attacking one. */
  async function victim(): Promise<WorkspaceSession> {
    const home = join(dir.path, `victim-${joined++}`);
    const link = (await cliOk('invite', '--home', ws.homes[0]!)).last;
    await cliOk('join', '--home', home, link);
    ws.homes.push(home);
    return ws.open(ws.homes.length - 1, { relay: mitm.url });
  }

  async function attacked(attack: (f: Frame) => Frame[], code: string, check?: (peer: WorkspaceSession) => void): Promise<string[]> {
    const peer = await victim();
    mitm.attack = (f) => ('doc' in f && f.doc === chatDoc ? attack(f) : [f]);
    const { chat } = await peer.openChat(ws.chat);
    await peer.syncOrQueue(3000);
    await eventually(() => peer.peer.seenProblems.some((p) => p.code === code), 10_000, code);
    mitm.attack = null;
    const contents = chat.transcript().map((m) => m.content);
    expect(contents.every((c) => /^message \d$/.test(c))).toBe(true);
    expect(new Set(contents).size).toBe(contents.length);
    check?.(peer);
    await peer.close();
    return contents;
  }

  const isEntry = (f: Frame): f is EntryFrame => f.type === FrameType.Entry;

  it('tampered bytes: E_BAD_SIGNATURE, the entry is not applied', async () => {
    const contents = await attacked((f) => {
      if (!isEntry(f) || f.seq !== 3) return [f];
      const envelope = f.envelope.slice();
      envelope[envelope.length - 80]! ^= 0x01;
      return [{ ...f, envelope }];
    }, 'E_BAD_SIGNATURE');
    // Seq 3 carried message 1; the author's later entries wait for it (counters have no holes).
    expect(contents).toEqual(['message 0']);
  });

  it('forged author: E_UNKNOWN_AUTHOR, the entry is not applied', async () => {
    const { loadCrypto } = await import('@tendril/crdt-schema/crypto');
    const crypto = await loadCrypto();
    const mallory = generateDeviceIdentity(crypto);
    const contents = await attacked((f) => {
      if (!isEntry(f) || f.seq !== 3) return [f];
      const p = parseEnvelope(f.envelope);
      const body = encodeEnvelopeBody(encodeHeader({ ...p.header, author: mallory.deviceId }), p.nonce, p.ciphertext);
      const signature = crypto.sign(withContext(Context.envelope, body), mallory.signSecretKey.expose());
      return [{ ...f, envelope: concatBytes(body, signature) }];
    }, 'E_UNKNOWN_AUTHOR');
    expect(contents).toEqual(['message 0']);
  });

  it('replayed entry: E_REPLAY, applied once', async () => {
    let copy: Uint8Array | null = null;
    const contents = await attacked((f) => {
      if (isEntry(f) && f.seq === 2) copy = f.envelope;
      if (f.type === FrameType.CaughtUp && copy) return [f, { type: FrameType.Entry, doc: f.doc, seq: f.head + 1, envelope: copy }];
      return [f];
    }, 'E_REPLAY');
    expect(contents).toHaveLength(MESSAGES);
  });

  it('reordered entries: E_REORDER', async () => {
    let held: EntryFrame | null = null;
    await attacked((f) => {
      if (isEntry(f) && f.seq === 2) {
        held = f;
        return [];
      }
      if (isEntry(f) && f.seq === 3 && held) return [f, held];
      return [f];
    }, 'E_REORDER');
  });

  it('withheld entry: E_WITHHELD, later entries of that author wait unapplied', async () => {
    let served: number[] = [];
    const contents = await attacked(
      (f) => {
        if (!isEntry(f)) return [f];
        if (f.seq === 3) return [];
        served.push(f.seq);
        return [f];
      },
      'E_WITHHELD',
      (peer) => {
        // Seq 3 carried message 1: exactly what precedes the gap is applied; the four entries after it are held and reported.
        expect(peer.peer.seenProblems.filter((p) => p.code === 'E_WITHHELD')).toContainEqual({ code: 'E_WITHHELD', message: `${MESSAGES - 2} entries could not be applied after catch-up`, relayMisbehaviour: true });
      },
    );
    served = [...new Set(served)];
    expect(served).toEqual(expect.arrayContaining([2, 4, 5, 6, 7]));
    expect(contents).toEqual(['message 0']);
  });

  it('rolled-back history: E_ROLLBACK, local state kept', async () => {
    const peer = await victim();
    const { chat } = await peer.openChat(ws.chat);
    expect(await peer.syncOrQueue(10_000)).toBe('synced');
    expect(chat.count()).toBe(MESSAGES);
    const home = ws.homes[ws.homes.length - 1]!;
    await peer.close();
    let cut = 0;
    mitm.attack = (f) => {
      if (!('doc' in f) || f.doc !== chatDoc) return [f];
      if (f.type === FrameType.Subscribed) {
        cut = f.head - 3;
        return [{ ...f, head: cut }];
      }
      if (isEntry(f) && f.seq > cut) return [];
      if (f.type === FrameType.CaughtUp) return [{ ...f, head: cut }];
      return [f];
    };
    const again = await ws.open(ws.homes.indexOf(home), { relay: mitm.url });
    const reopened = await again.openChat(ws.chat);
    await again.syncOrQueue(3000);
    await eventually(() => again.peer.seenProblems.some((p) => p.code === 'E_ROLLBACK'), 10_000, 'E_ROLLBACK');
    expect(again.peer.seenProblems.find((p) => p.code === 'E_ROLLBACK')!.relayMisbehaviour).toBe(true);
    expect(reopened.chat.count()).toBe(MESSAGES);
    mitm.attack = null;
    await again.close();
  });
});
