/**
 * What a guest conversation's envelopes carry, as JSON: the visitor's
 * messages, and the owner side's claims, replies and refusals. Parsed for
 * real: each side reads what the other (or a forger holding the key) wrote.
 */
import { TendrilError } from '../errors.ts';

/** Longest message text either side writes. */
export const MAX_GUEST_TEXT = 16_000;

export type GuestPayload =
  /** The visitor says something. `id` is the visitor's own handle for it. */
  | { readonly t: 'msg'; readonly id: string; readonly text: string; readonly at: number }
  /** An owner's runner takes message `for` to answer; the first claim in the log wins. */
  | { readonly t: 'claim'; readonly for: string; readonly at: number }
  /** The agent's answer to message `for`, with the tokens it cost. */
  | { readonly t: 'reply'; readonly for: string; readonly text: string; readonly at: number; readonly tokens: number }
  /** The owner side could not answer message `for` (a limit, the model failed): said to the visitor. */
  | { readonly t: 'refusal'; readonly for: string; readonly text: string; readonly at: number };

const bad = (why: string): TendrilError => new TendrilError('E_DECODE_FAILED', `guest message: ${why}`);
const text = (v: unknown, what: string): string => {
  if (typeof v !== 'string' || v.length > MAX_GUEST_TEXT) throw bad(`${what} is not a text of at most ${MAX_GUEST_TEXT} characters`);
  return v;
};
const id = (v: unknown, what: string): string => {
  if (typeof v !== 'string' || !/^[\w-]{1,64}$/.test(v)) throw bad(`${what} is not an id`);
  return v;
};
const num = (v: unknown, what: string): number => {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) throw bad(`${what} is not a whole number`);
  return v;
};

export function encodeGuestPayload(p: GuestPayload): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(p));
}

/** Parses a payload; `E_DECODE_FAILED` for anything else. */
export function decodeGuestPayload(bytes: Uint8Array): GuestPayload {
  let v: unknown;
  try {
    v = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    throw bad('not JSON');
  }
  if (typeof v !== 'object' || v === null) throw bad('not an object');
  const o = v as Record<string, unknown>;
  switch (o.t) {
    case 'msg': return { t: 'msg', id: id(o.id, 'id'), text: text(o.text, 'text'), at: num(o.at, 'at') };
    case 'claim': return { t: 'claim', for: id(o.for, 'for'), at: num(o.at, 'at') };
    case 'reply': return { t: 'reply', for: id(o.for, 'for'), text: text(o.text, 'text'), at: num(o.at, 'at'), tokens: num(o.tokens, 'tokens') };
    case 'refusal': return { t: 'refusal', for: id(o.for, 'for'), text: text(o.text, 'text'), at: num(o.at, 'at') };
    default: throw bad(`unknown kind ${JSON.stringify(String(o.t)).slice(0, 40)}`);
  }
}
