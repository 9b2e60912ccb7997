/**
 * Live reply text: the tokens of a reply being streamed travel to the chat's
 * other readers as sealed ephemeral stream frames (never stored), while the
 * reply's durable text is written about once a second. This module holds the
 * pure parts: the payload codec and the segments a reader keeps.
 *
 * A token frame says "this text starts at character `offset` of the reply"
 * (UTF-16 units, as Y.Text counts). A reader keeps, per reply, one contiguous
 * live segment; what it shows is the durable text followed by the part of the
 * segment beyond it. A frame that leaves a hole (a lost frame, or a reader
 * that opened the chat mid-reply) starts a new segment; until the durable
 * text or an answer to an ask reaches it, the reader shows the durable text.
 * An ask ("send me the text from offset N") goes to the reply's writer only.
 */
import type { MessageId } from '../ids.ts';

/** Text carried by one frame at most (characters); the writer sends longer text in pieces. */
export const MAX_LIVE_TEXT = 32 * 1024;
/** The live text a reader keeps for one reply beyond its durable text; the rest waits for the durable text. */
export const MAX_LIVE_SEGMENT = 512 * 1024;

/** `at`, moved back one when it would split a surrogate pair (JSON would turn each half into U+FFFD). */
export function cutAt(text: string, at: number): number {
  if (at <= 0 || at >= text.length) return Math.max(0, Math.min(at, text.length));
  const c = text.charCodeAt(at - 1);
  return c >= 0xd800 && c <= 0xdbff ? at - 1 : at;
}

export type LivePayload =
  | { readonly kind: 'tokens'; readonly reply: MessageId; readonly offset: number; readonly text: string }
  | { readonly kind: 'ask'; readonly reply: MessageId; readonly offset: number };

const enc = new TextEncoder();
const dec = new TextDecoder();
const isOffset = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

export function encodeLive(p: LivePayload): Uint8Array {
  return enc.encode(JSON.stringify(p.kind === 'tokens' ? { k: 'live', r: p.reply, o: p.offset, t: p.text } : { k: 'live-ask', r: p.reply, o: p.offset }));
}

/** The payload, or null when it is not live reply text (another kind of stream) or malformed. */
export function decodeLive(bytes: Uint8Array): LivePayload | null {
  if (bytes.length === 0 || bytes[0] !== 0x7b) return null;
  let v: unknown;
  try {
    v = JSON.parse(dec.decode(bytes));
  } catch {
    return null;
  }
  if (typeof v !== 'object' || v === null) return null;
  const { k, r, o, t } = v as Record<string, unknown>;
  if (typeof r !== 'string' || r.length === 0 || r.length > 100 || !isOffset(o)) return null;
  if (k === 'live' && typeof t === 'string' && t.length > 0 && t.length <= MAX_LIVE_TEXT) return { kind: 'tokens', reply: r as MessageId, offset: o, text: t };
  if (k === 'live-ask') return { kind: 'ask', reply: r as MessageId, offset: o };
  return null;
}

interface Segment {
  start: number;
  text: string;
}

/** Replies one sender may have live text for at once; an older one is forgotten first. */
export const MAX_LIVE_REPLIES = 8;

/** The live segments a reader holds from one sender, one per reply. */
export class LiveSegments {
  private readonly byReply = new Map<MessageId, Segment>();

  /** Adds text that starts at `offset`; true when the segment changed. */
  add(reply: MessageId, offset: number, text: string): boolean {
    const seg = this.byReply.get(reply);
    const end = seg ? seg.start + seg.text.length : -1;
    if (!seg || offset > end || offset + text.length < seg.start) {
      // First text, or a hole on either side: start again from here.
      this.byReply.delete(reply);
      this.byReply.set(reply, { start: offset, text: text.slice(0, MAX_LIVE_SEGMENT) });
      for (const old of this.byReply.keys()) {
        if (this.byReply.size <= MAX_LIVE_REPLIES) break;
        this.byReply.delete(old);
      }
      return true;
    }
    const before = offset < seg.start ? text.slice(0, seg.start - offset) : '';
    const after = offset + text.length > end ? text.slice(end - offset) : '';
    if (!before && !after) return false;
    seg.start -= before.length;
    seg.text = before + seg.text + after;
    if (seg.text.length > MAX_LIVE_SEGMENT) this.byReply.delete(reply);
    return true;
  }

  /** What to show for a reply whose durable text is `durable`. */
  view(reply: MessageId, durable: string): string {
    const seg = this.byReply.get(reply);
    if (!seg) return durable;
    const at = durable.length - seg.start;
    if (at < 0 || at >= seg.text.length) return durable;
    // The durable text has reached this far: keep only the live text beyond it.
    if (at > 0) {
      seg.text = seg.text.slice(at);
      seg.start = durable.length;
    }
    return durable + seg.text;
  }

  /** Where live text is missing: the durable length when the segment starts beyond it, else null. */
  hole(reply: MessageId, durableLength: number): number | null {
    const seg = this.byReply.get(reply);
    return seg && seg.start > durableLength ? durableLength : null;
  }

  has(reply: MessageId): boolean {
    return this.byReply.has(reply);
  }

  drop(reply: MessageId): void {
    this.byReply.delete(reply);
  }

  get size(): number {
    return this.byReply.size;
  }
}
