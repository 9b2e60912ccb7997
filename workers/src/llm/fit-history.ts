/**
 * Trims a conversation to fit a model's context window: the system prompt
 * always stays, then whole turns are kept from the newest back while they fit
 * (a turn is a user message with the assistant and tool messages after it, so
 * a tool result never loses the call it answers). Dropped turns can be
 * summarised by an injected hook into one system message.
 */
import { TendrilError } from '@tendril/crdt-schema/errors';
import { contextWindow, DEFAULT_CONTEXT_WINDOW, estimateTokens } from './models.ts';
import type { ChatMessage } from './types.ts';

export interface FitOptions {
  readonly model: string;
  /** Context window in tokens; default from the model table, else DEFAULT_CONTEXT_WINDOW. */
  readonly window?: number;
  /** Tokens left free for the answer; default a quarter of the window, at most 8192. */
  readonly reserveForOutput?: number;
  readonly countTokens?: (m: ChatMessage) => number;
  /** Summarises dropped messages in about `maxTokens` tokens. */
  readonly summarize?: (dropped: readonly ChatMessage[], maxTokens: number) => Promise<string>;
  /** Tokens set aside for the summary; default an eighth of what the history may use. */
  readonly summaryTokens?: number;
}

export interface FitResult {
  readonly messages: ChatMessage[];
  /** How many messages were left out. */
  readonly dropped: number;
  readonly summary: string | undefined;
}

const defaultCount = (m: ChatMessage): number =>
  estimateTokens(m.content) + (m.role === 'assistant' ? (m.toolCalls ?? []).reduce((n, c) => n + estimateTokens(c.name + c.arguments), 0) : 0);

function turnsOf(messages: readonly ChatMessage[]): ChatMessage[][] {
  const turns: ChatMessage[][] = [];
  for (const m of messages) {
    if (m.role === 'user' || turns.length === 0) turns.push([m]);
    else turns.at(-1)!.push(m);
  }
  return turns;
}

/** The longest prefix of `text` that `fits` (which must hold for every shorter prefix once it holds for a longer one). */
function longestFitting(text: string, fits: (t: string) => boolean): string {
  if (fits(text)) return text;
  let lo = 0;
  let hi = text.length;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (fits(text.slice(0, mid))) lo = mid;
    else hi = mid - 1;
  }
  return text.slice(0, lo);
}

export const SUMMARY_PREFIX = 'Summary of the earlier conversation:\n';

export async function fitHistory(messages: readonly ChatMessage[], o: FitOptions): Promise<FitResult> {
  const count = o.countTokens ?? defaultCount;
  const window = o.window ?? contextWindow(o.model) ?? DEFAULT_CONTEXT_WINDOW;
  const reserve = o.reserveForOutput ?? Math.min(8192, Math.floor(window / 4));
  const system = messages.filter((m) => m.role === 'system');
  const turns = turnsOf(messages.filter((m) => m.role !== 'system'));
  const cost = (turn: readonly ChatMessage[]): number => turn.reduce((n, m) => n + count(m), 0);
  const budget = window - reserve - cost(system);
  const all = cost(turns.flat());
  if (all <= budget) return { messages: [...system, ...turns.flat()], dropped: 0, summary: undefined };

  const summaryBudget = o.summarize ? (o.summaryTokens ?? Math.floor(budget / 8)) : 0;
  const kept: ChatMessage[][] = [];
  let used = 0;
  for (let i = turns.length - 1; i >= 0; i--) {
    const c = cost(turns[i]!);
    if (used + c > budget - summaryBudget) break;
    kept.unshift(turns[i]!);
    used += c;
  }
  if (kept.length === 0) {
    const need = cost(turns.at(-1) ?? []);
    throw new TendrilError(
      'E_CONTEXT_TOO_LARGE',
      `the message is larger than the model's context window: about ${need} tokens estimated, the context window of ${o.model} is ${window} tokens (${Math.max(0, budget)} free after the system prompt and room for the answer)`,
    );
  }
  const droppedMessages = turns.slice(0, turns.length - kept.length).flat();
  let summary: string | undefined;
  if (o.summarize) {
    const text = await o.summarize(droppedMessages, summaryBudget);
    summary = longestFitting(text, (t) => count({ role: 'system', content: SUMMARY_PREFIX + t }) <= summaryBudget);
  }
  const note: ChatMessage[] = summary ? [{ role: 'system', content: SUMMARY_PREFIX + summary }] : [];
  return { messages: [...system, ...note, ...kept.flat()], dropped: droppedMessages.length, summary };
}
