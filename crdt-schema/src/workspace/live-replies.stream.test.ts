/**
 * Live replies between devices over an in-memory stream link: readers show the
 * writer's tokens beyond the stored text, a reader that opens mid-reply asks
 * the writer for what it missed, frames from anyone but the reply's writer are
 * never shown (nor ones a hostile relay relabels as the writer's: each frame
 * is signed by its sender's device key), and tokens are sent in batches.
 */
import { afterEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { generateDeviceIdentity, loadCrypto } from '../crypto/index.ts';
import { newChatId, newDocId, type DeviceId, type MessageId } from '../ids.ts';
import { chatDoc } from '../schema/chat.ts';
import { decodeLive, encodeLive, type LivePayload } from './live-reply.ts';
import { LiveReplies, liveReplySigner, type LiveLink } from './live-replies.ts';

const crypto = await loadCrypto();
const DOC = newDocId();
const ids = { writer: generateDeviceIdentity(crypto), a: generateDeviceIdentity(crypto), b: generateDeviceIdentity(crypto), member: generateDeviceIdentity(crypto) };
const signerOf = (d: DeviceId) => liveReplySigner(crypto, Object.values(ids).find((i) => i.deviceId === d)!);

type Handler = (from: DeviceId, payload: Uint8Array) => void;

/** Devices on one document; frames reach the others (or the one named) on a later task, as over a socket. */
class Hub {
  readonly sent: { from: DeviceId; to: DeviceId | ''; payload: LivePayload }[] = [];
  private readonly handlers = new Map<DeviceId, Set<Handler>>();
  /** `as`: the sender the relay names (a hostile relay may name another). */
  link(self: DeviceId, as: DeviceId = self): LiveLink {
    const mine = new Set<Handler>();
    if (!this.handlers.has(self)) this.handlers.set(self, mine);
    return {
      doc: DOC,
      sendStream: (payload, to = '') => {
        this.sent.push({ from: as, to, payload: decodeLive(payload.subarray(64))! });
        for (const [device, hs] of this.handlers) {
          if (device === self || (to && to !== device)) continue;
          for (const h of hs) setTimeout(() => h(as, payload), 0);
        }
        return true;
      },
      on: (_e, fn) => void mine.add(fn),
      off: (_e, fn) => void mine.delete(fn),
    };
  }
}

const settle = () => new Promise((r) => setTimeout(r, 5));
const W = ids.writer.deviceId;
const A = ids.a.deviceId;
const B = ids.b.deviceId;
const M = ids.member.deviceId;

describe('live replies', () => {
  const open: LiveReplies[] = [];
  afterEach(() => open.splice(0).forEach((l) => l.destroy()));

  function setup(o: { sendEveryMs?: number } = {}) {
    const hub = new Hub();
    const ydoc = new Y.Doc();
    const chat = chatDoc(ydoc);
    chat.init({ chatId: newChatId(), createdBy: A });
    const turn = chat.addMessage({ author: A, role: 'user', content: 'hi', status: 'pending' });
    const reply = chat.addMessage({ author: W, role: 'assistant', content: '', parent: turn, status: 'streaming' });
    const device = (self: DeviceId) => {
      const l = new LiveReplies({ link: hub.link(self), chat, signer: signerOf(self), ...o });
      open.push(l);
      return l;
    };
    const shown = (l: LiveReplies) => l.text(chat.message(reply)!);
    return { hub, chat, reply, device, shown };
  }

  it('shows the writer\'s tokens on every reader beyond the stored text, and the stored text alone once the reply is done', async () => {
    const { chat, reply, device, shown } = setup({ sendEveryMs: 0 });
    const w = device(W);
    const a = device(A);
    w.push(reply, 0, 'Hello');
    expect(shown(w)).toBe('Hello'); // the writing tab shows it at once
    w.push(reply, 5, ', world');
    await settle();
    expect(shown(a)).toBe('Hello, world');
    chat.appendContent(reply, 'Hello, wo'); // the durable write, about once a second
    expect(shown(a)).toBe('Hello, world');
    chat.appendContent(reply, 'rld.');
    chat.setStatus(reply, 'done');
    expect(shown(a)).toBe('Hello, world.');
  });

  it('lets a reader that opens mid-reply ask the writer for the text it missed, then follow live', async () => {
    const { hub, chat, reply, device, shown } = setup({ sendEveryMs: 0 });
    const w = device(W);
    w.push(reply, 0, 'The first second. ');
    chat.appendContent(reply, 'The first second. ');
    w.push(reply, 18, 'Not stored yet. ');
    await settle();
    const late = device(B); // opens now: has the stored text, missed the frame above
    w.push(reply, 34, 'Live.');
    await settle();
    await settle();
    expect(hub.sent.some((s) => s.from === B && s.to === W && s.payload.kind === 'ask' && s.payload.offset === 18)).toBe(true);
    expect(shown(late)).toBe('The first second. Not stored yet. Live.');
  });

  it('never shows text streamed into a reply by a device other than its writer, nor answers its asks for another\'s reply', async () => {
    const { hub, chat, reply, device, shown } = setup({ sendEveryMs: 0 });
    device(W);
    const a = device(A);
    const m = device(M);
    m.push(reply, 0, 'I am the agent: send me your keys');
    await settle();
    expect(shown(a)).toBe('');
    chat.appendContent(reply, 'Real');
    expect(shown(a)).toBe('Real');
    // A member cannot make another device answer an ask about a reply it does not write.
    const before = hub.sent.length;
    hub.link(M).sendStream(signerOf(M).sign(DOC, encodeLive({ kind: 'ask', reply, offset: 0 })), A);
    await settle();
    expect(hub.sent.slice(before + 1).filter((s) => s.from === A)).toEqual([]);
  });

  it('refuses frames a hostile relay names as the writer\'s but the writer did not sign', async () => {
    const { hub, reply, device, shown } = setup({ sendEveryMs: 0 });
    device(W);
    const a = device(A);
    // A member holding the chat key signs with its own key; the relay relabels the frame as the writer's.
    hub.link(M, W).sendStream(signerOf(M).sign(DOC, encodeLive({ kind: 'tokens', reply, offset: 0, text: 'Forged' })));
    // Unsigned, or signed for another document, is refused too.
    hub.link(M, W).sendStream(new Uint8Array([...new Uint8Array(64), ...encodeLive({ kind: 'tokens', reply, offset: 0, text: 'Unsigned' })]));
    hub.link(M, W).sendStream(signerOf(W).sign(newDocId(), encodeLive({ kind: 'tokens', reply, offset: 0, text: 'Elsewhere' })));
    await settle();
    expect(shown(a)).toBe('');
    hub.link(W).sendStream(signerOf(W).sign(DOC, encodeLive({ kind: 'tokens', reply, offset: 0, text: 'Genuine' })));
    await settle();
    expect(shown(a)).toBe('Genuine');
  });

  it('sends the tokens of one interval in one frame', async () => {
    let t = 0;
    const hub = new Hub();
    const ydoc = new Y.Doc();
    const chat = chatDoc(ydoc);
    chat.init({ chatId: newChatId(), createdBy: A });
    const reply = chat.addMessage({ author: W, role: 'assistant', content: '', status: 'streaming' }) as MessageId;
    const w = new LiveReplies({ link: hub.link(W), chat, signer: signerOf(W), now: () => t, sendEveryMs: 30 });
    open.push(w);
    w.push(reply, 0, 'a'); // leading edge: at once
    for (let i = 1; i <= 9; i++) w.push(reply, i, 'b');
    expect(hub.sent).toHaveLength(1);
    t = 30;
    w.flush(reply);
    expect(hub.sent.map((s) => s.payload)).toEqual([
      { kind: 'tokens', reply, offset: 0, text: 'a' },
      { kind: 'tokens', reply, offset: 1, text: 'bbbbbbbbb' },
    ]);
  });
});
