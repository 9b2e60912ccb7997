/**
 * A guest conversation as read from its log: every opened envelope in seq
 * order, folded into the transcript both sides show and which visitor messages
 * still wait for an answer. The log order is the relay's seq order, the same
 * for every reader (who holds a message's claim: guest-claims.ts).
 */
import type { DeviceId } from '../ids.ts';
import type { GuestPayload } from './messages.ts';

export interface GuestLogEntry {
  readonly seq: number;
  readonly author: DeviceId;
  /** True when the visitor's key wrote it. */
  readonly fromVisitor: boolean;
  readonly payload: GuestPayload;
}

export interface GuestTurn {
  readonly role: 'visitor' | 'agent';
  readonly text: string;
  readonly at: number;
}

/** Visitor messages without a reply or refusal yet, oldest first. */
export function pendingMessages(log: readonly GuestLogEntry[]): Extract<GuestPayload, { t: 'msg' }>[] {
  const answered = new Set(log.filter((e) => !e.fromVisitor && (e.payload.t === 'reply' || e.payload.t === 'refusal')).map((e) => (e.payload as { for: string }).for));
  const seen = new Set<string>();
  const out: Extract<GuestPayload, { t: 'msg' }>[] = [];
  for (const e of log) {
    if (!e.fromVisitor || e.payload.t !== 'msg' || answered.has(e.payload.id) || seen.has(e.payload.id)) continue;
    seen.add(e.payload.id);
    out.push(e.payload);
  }
  return out;
}

/** The answer to message `id`, once written. */
export function answerTo(log: readonly GuestLogEntry[], id: string): Extract<GuestPayload, { t: 'reply' | 'refusal' }> | undefined {
  const e = log.find((x) => !x.fromVisitor && (x.payload.t === 'reply' || x.payload.t === 'refusal') && x.payload.for === id);
  return e?.payload as Extract<GuestPayload, { t: 'reply' | 'refusal' }> | undefined;
}

/** The conversation as both sides show it: the visitor's messages and the agent's answers, in log order. */
export function guestTurns(log: readonly GuestLogEntry[]): GuestTurn[] {
  const out: GuestTurn[] = [];
  const seen = new Set<string>();
  for (const e of log) {
    const p = e.payload;
    if (e.fromVisitor && p.t === 'msg' && !seen.has(`m:${p.id}`)) {
      seen.add(`m:${p.id}`);
      out.push({ role: 'visitor', text: p.text, at: p.at });
    } else if (!e.fromVisitor && (p.t === 'reply' || p.t === 'refusal') && !seen.has(`a:${p.for}`)) {
      seen.add(`a:${p.for}`);
      out.push({ role: 'agent', text: p.text, at: p.at });
    }
  }
  return out;
}

/** Tokens the answers in `log` cost since `since` (ms): what a daily budget counts. */
export function tokensSince(log: readonly GuestLogEntry[], since: number): number {
  return log.reduce((n, e) => (!e.fromVisitor && e.payload.t === 'reply' && e.payload.at >= since ? n + e.payload.tokens : n), 0);
}
