/**
 * Live reply text on one open chat document: what a writer streams and what
 * its readers show (see live-reply.ts for the frames and segments).
 *
 * Who may stream into a reply: only the device that writes it now (the
 * reply's `continuedBy`, else its author), and only while it is streaming.
 * Each frame is signed by its sender's device key: the chat key alone (any
 * member's) with a hostile relay's help cannot make up another's frames.
 * Frames from anyone else are kept apart (per sender, a few replies each) and
 * never shown, so a member cannot put words into another device's reply; the
 * durable text, written by the same writer, always wins once it is there.
 *
 * One instance per document (`liveRepliesFor`), shared by the chat view and
 * the runner answering in the same tab, so the tab that writes a reply shows
 * its tokens at once, as every other reader does a network hop later.
 */
import type { CryptoProvider } from '../crypto/provider.ts';
import type { DeviceIdentity } from '../crypto/keys.ts';
import type { DeviceId, DocId, MessageId } from '../ids.ts';
import type { ChatMessage } from '../schema/chat-message.ts';
import { Context } from '../crypto/bytes.ts';
import { deviceSigner, type DeviceSigner } from './device-signed.ts';
import { cutAt, decodeLive, encodeLive, LiveSegments, MAX_LIVE_TEXT, type LivePayload } from './live-reply.ts';

/** The document link the frames travel on (DocSync). */
export interface LiveLink {
  readonly doc: DocId;
  sendStream(payload: Uint8Array, to?: DeviceId | ''): boolean;
  on(event: 'stream', fn: (from: DeviceId, payload: Uint8Array) => void): void;
  off(event: 'stream', fn: (from: DeviceId, payload: Uint8Array) => void): void;
}

/** Reads a reply's durable state (ChatDoc). */
export interface LiveChat {
  message(id: MessageId): ChatMessage | undefined;
}

export interface LiveRepliesOptions {
  readonly link: LiveLink;
  readonly chat: LiveChat;
  /** Signs this device's frames and checks the sender's signature on others' (see device-signed.ts). */
  readonly signer: DeviceSigner;
  readonly now?: () => number;
  /** Least time between two token frames of one reply (the tokens in between go together). */
  readonly sendEveryMs?: number;
  /** Least time between two asks for one reply, and between two answers to one asker. */
  readonly askEveryMs?: number;
}

/** Senders whose live text a reader keeps at once. */
const MAX_SENDERS = 64;

/** The device writing a reply now. */
export const replyWriter = (m: ChatMessage): DeviceId => m.continuedBy ?? (m.author as DeviceId);

export class LiveReplies {
  private readonly o: LiveRepliesOptions;
  private readonly now: () => number;
  private readonly bySender = new Map<DeviceId, LiveSegments>();
  private readonly listeners = new Set<(reply: MessageId) => void>();
  /** Token text pushed here but not sent yet, per reply, and when each reply last sent. */
  private readonly pending = new Map<MessageId, { offset: number; text: string }>();
  private readonly lastSent = new Map<MessageId, number>();
  private timer: ReturnType<typeof setTimeout> | null = null;
  private readonly lastAsk = new Map<string, number>();
  private readonly onStream = (from: DeviceId, payload: Uint8Array): void => this.receive(from, payload);

  constructor(o: LiveRepliesOptions) {
    this.o = o;
    this.now = o.now ?? Date.now;
    o.link.on('stream', this.onStream);
  }

  // ---- reading ----------------------------------------------------------------

  /** The text to show for a message: its durable text, and the live text beyond it while it streams. */
  text(m: ChatMessage): string {
    if (m.role !== 'assistant') return m.content;
    const segs = this.bySender.get(replyWriter(m));
    if (!segs?.has(m.id)) return m.content;
    if (m.status !== 'streaming') {
      segs.drop(m.id);
      return m.content;
    }
    return segs.view(m.id, m.content);
  }

  /** Calls `fn` with a reply whose live text changed; returns the unsubscribe. */
  onChange(fn: (reply: MessageId) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  private receive(from: DeviceId, payload: Uint8Array): void {
    const message = this.o.signer.open(this.o.link.doc, from, payload);
    const p = message ? decodeLive(message) : null;
    if (!p) return;
    if (p.kind === 'ask') return this.answer(from, p);
    let segs = this.bySender.get(from);
    if (!segs) {
      if (this.bySender.size >= MAX_SENDERS) this.bySender.delete(this.bySender.keys().next().value!);
      segs = new LiveSegments();
      this.bySender.set(from, segs);
    }
    if (!segs.add(p.reply, p.offset, p.text)) return;
    const m = this.o.chat.message(p.reply);
    if (m && m.status === 'streaming' && replyWriter(m) === from) {
      // Text is missing between the durable text and this frame: ask the writer for it.
      const hole = segs.hole(p.reply, m.content.length);
      if (hole !== null && this.due(`ask:${p.reply}`)) this.o.link.sendStream(this.sealed({ kind: 'ask', reply: p.reply, offset: hole }), from);
    }
    this.changed(p.reply);
  }

  /** Sends a reader the text it misses of a reply this device writes. */
  private answer(asker: DeviceId, p: Extract<LivePayload, { kind: 'ask' }>): void {
    const m = this.o.chat.message(p.reply);
    if (!m || m.status !== 'streaming' || replyWriter(m) !== this.o.signer.self) return;
    const full = this.text(m);
    if (p.offset >= full.length || !this.due(`answer:${asker}:${p.reply}`)) return;
    const from = Math.max(p.offset, full.length - MAX_LIVE_TEXT + 1);
    const start = from > p.offset && full.charCodeAt(from - 1) >= 0xd800 && full.charCodeAt(from - 1) <= 0xdbff ? from + 1 : from;
    this.o.link.sendStream(this.sealed({ kind: 'tokens', reply: p.reply, offset: start, text: full.slice(start) }), asker);
  }

  private sealed(p: LivePayload): Uint8Array {
    return this.o.signer.sign(this.o.link.doc, encodeLive(p));
  }

  private due(key: string): boolean {
    const t = this.now();
    if (t - (this.lastAsk.get(key) ?? -Infinity) < (this.o.askEveryMs ?? 500)) return false;
    this.lastAsk.set(key, t);
    if (this.lastAsk.size > 1024) this.lastAsk.delete(this.lastAsk.keys().next().value!);
    return true;
  }

  private changed(reply: MessageId): void {
    for (const fn of this.listeners) fn(reply);
  }

  // ---- writing ----------------------------------------------------------------

  /**
   * Streams text of a reply this device writes, starting at character `offset` of it: shown here at
   * once, sent to the other readers at most every `sendEveryMs` (the text in between in one frame).
   */
  push(reply: MessageId, offset: number, text: string): void {
    if (text.length === 0) return;
    let segs = this.bySender.get(this.o.signer.self);
    if (!segs) this.bySender.set(this.o.signer.self, (segs = new LiveSegments()));
    segs.add(reply, offset, text);
    this.changed(reply);
    const waiting = this.pending.get(reply);
    if (waiting && waiting.offset + waiting.text.length === offset) waiting.text += text;
    else {
      if (waiting) this.send(reply);
      this.pending.set(reply, { offset, text });
    }
    const wait = (this.lastSent.get(reply) ?? -Infinity) + (this.o.sendEveryMs ?? 30) - this.now();
    if (wait <= 0) this.send(reply);
    else this.timer ??= setTimeout(() => this.sendDue(), wait);
  }

  /** Sends what is waiting for `reply` now (before its durable text is final). */
  flush(reply: MessageId): void {
    if (this.pending.has(reply)) this.send(reply);
  }

  private sendDue(): void {
    this.timer = null;
    const every = this.o.sendEveryMs ?? 30;
    let next = Infinity;
    for (const reply of [...this.pending.keys()]) {
      const wait = (this.lastSent.get(reply) ?? -Infinity) + every - this.now();
      if (wait <= 0) this.send(reply);
      else next = Math.min(next, wait);
    }
    if (next !== Infinity) this.timer = setTimeout(() => this.sendDue(), next);
  }

  private send(reply: MessageId): void {
    const p = this.pending.get(reply);
    this.pending.delete(reply);
    this.lastSent.set(reply, this.now());
    if (!p) return;
    if (this.lastSent.size > 256) this.lastSent.delete(this.lastSent.keys().next().value!);
    for (let i = 0; i < p.text.length; ) {
      const end = cutAt(p.text, i + MAX_LIVE_TEXT);
      this.o.link.sendStream(this.sealed({ kind: 'tokens', reply, offset: p.offset + i, text: p.text.slice(i, end) }));
      i = end;
    }
  }

  destroy(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.o.link.off('stream', this.onStream);
    this.listeners.clear();
  }
}

/** The signing context of live reply frames. */
export const LIVE_REPLY_CONTEXT = Context.liveReply;

/** This device's signer for live reply frames. */
export const liveReplySigner = (crypto: CryptoProvider, identity: DeviceIdentity): DeviceSigner => deviceSigner(crypto, identity, LIVE_REPLY_CONTEXT);

const registry = new WeakMap<LiveLink, LiveReplies>();

/** The live replies of one open document, created on first use and shared by every user of that document in this process. */
export function liveRepliesFor(link: LiveLink, chat: LiveChat, signer: DeviceSigner): LiveReplies {
  let live = registry.get(link);
  if (!live) registry.set(link, (live = new LiveReplies({ link, chat, signer })));
  return live;
}
