/**
 * Answering one claimed user turn: call the provider with streaming, send the
 * tokens live to the chat's readers as sealed ephemeral frames (`live`) and
 * append the reply into its Y.Text about once a second (without `live`: in
 * small batches, so every device sees it stream from the stored text),
 * stop within a second of a synced Stop press, and record model, tokens,
 * latency (to the first token and in all) and an estimated cost. A failure is
 * returned to the caller (never thrown), which decides whether the turn is
 * tried again or ends with the reason in the reply. With a toolbox, the answer runs through the tool
 * loop (tools/tool-loop.ts): the model's tool calls are run and fed back until
 * it answers, up to a round limit; only its text reaches the reply.
 */
import type { DeviceId, MessageId } from '@tendril/crdt-schema/ids';
import type { chatDoc } from '@tendril/crdt-schema/schema';
import { estimateCost, type ChatMessage, type LlmProvider, type ToolCall } from '../llm/index.ts';
import { toolLoop } from '../tools/tool-loop.ts';
import type { Toolbox } from '../tools/tool.ts';

type Chat = ReturnType<typeof chatDoc>;

export interface AnswerOptions {
  readonly chat: Chat;
  readonly reply: MessageId;
  readonly provider: LlmProvider;
  readonly model: string;
  readonly messages: readonly ChatMessage[];
  /** The chat's temperature; absent: the provider's default. */
  readonly temperature?: number;
  readonly worker: DeviceId;
  /** Appended text is written at most this often (ms); default 1,000 with `live`, else 40. */
  readonly flushMs?: number;
  /** Where the tokens go live before they are written (the chat's LiveReplies). */
  readonly live?: { push(reply: MessageId, offset: number, text: string): void; flush(reply: MessageId): void };
  /** True while this worker still holds the turn (a lost lease aborts the answer). */
  readonly stillHolds: () => boolean;
  /**
   * True while no other peer took the turn over (the claim still names this one, lapsed or given
   * back): an answer that ends lost may still store the text it showed live and had not stored yet.
   */
  readonly stillWriter?: () => boolean;
  readonly now?: () => number;
  /** Tools the model may call (gated and logged by each tool); none when absent. */
  readonly tools?: Toolbox;
  /** Rounds of tool calls before the model must answer (default 5). */
  readonly maxToolRounds?: number;
  readonly onToolResult?: (call: ToolCall, result: string) => void;
  /** Ends the answer at once as stopped (the chat was deleted, the worker is shutting down). */
  readonly signal?: AbortSignal;
}

export type AnswerOutcome = 'done' | 'stopped' | 'error' | 'lost';

/** How an answer ended; `error` (the failure, not yet shown) only with the outcome `error`. */
export interface AnswerResult {
  readonly outcome: AnswerOutcome;
  readonly error?: unknown;
}

export async function answerTurn(o: AnswerOptions): Promise<AnswerResult> {
  const now = o.now ?? Date.now;
  const started = now();
  const abort = new AbortController();
  let reason: AnswerOutcome | null = null;
  const check = (): void => {
    if (reason) return;
    if (o.chat.isStopRequested(o.reply) || o.signal?.aborted === true) reason = 'stopped';
    else if (!o.stillHolds()) reason = 'lost';
    if (reason) abort.abort();
  };
  o.signal?.addEventListener('abort', check, { once: true });
  const unobserve = o.chat.observe(check);
  const poll = setInterval(check, 250);
  let buffer = '';
  let lastFlush = now();
  const flushMs = o.flushMs ?? (o.live ? 1000 : 40);
  // Where the next token starts in the reply (a continued reply already holds text).
  let offset = o.chat.message(o.reply)?.content.length ?? 0;
  const flush = (): void => {
    // Text already shown live is kept on Stop and when the turn was given back; once another peer
    // took the turn, nothing more is written (it continues from the stored text).
    if (buffer && (reason !== 'lost' || o.stillWriter?.() === true)) {
      o.live?.flush(o.reply);
      o.chat.appendContent(o.reply, buffer);
    }
    buffer = '';
    lastFlush = now();
  };
  const add = (text: string): void => {
    o.live?.push(o.reply, offset, text);
    offset += text.length;
    buffer += text;
  };
  let usage: { inputTokens: number; outputTokens: number } | null = null;
  let firstTokenAt: number | undefined;
  try {
    o.chat.setStatus(o.reply, 'streaming');
    const temperature = o.temperature !== undefined ? { temperature: o.temperature } : {};
    const events = o.tools
      ? toolLoop({
        provider: o.provider, model: o.model, messages: o.messages, toolbox: o.tools, signal: abort.signal, ...temperature,
        ...(o.maxToolRounds !== undefined ? { maxRounds: o.maxToolRounds } : {}), ...(o.onToolResult ? { onToolResult: o.onToolResult } : {}),
      })
      : o.provider.stream({ model: o.model, messages: o.messages, ...temperature }, { signal: abort.signal });
    for await (const event of events) {
      if (event.type === 'text') {
        add(event.text);
        if (now() - lastFlush >= flushMs) flush();
        firstTokenAt ??= now();
      } else if (event.type === 'usage') usage = { inputTokens: event.inputTokens, outputTokens: event.outputTokens };
      else if (event.type === 'tool_call' && !o.tools) {
        // Only reached without a toolbox (the tool loop consumes calls): say so rather than end empty.
        add(`${offset > 0 ? '\n\n' : ''}(The model asked to use the tool ${event.name}, but the agent holds no grant for tools here.)`);
        flush();
      }
      check();
      if (reason) break;
    }
    flush();
    if (reason === 'lost') return { outcome: 'lost' };
    if (reason === 'stopped') {
      o.chat.setStatus(o.reply, 'stopped');
      return { outcome: 'stopped' };
    }
    o.chat.setStatus(o.reply, 'done');
    return { outcome: 'done' };
  } catch (e) {
    flush();
    if (reason === 'stopped') {
      o.chat.setStatus(o.reply, 'stopped');
      return { outcome: 'stopped' };
    }
    if (reason === 'lost') return { outcome: 'lost' };
    return { outcome: 'error', error: e };
  } finally {
    clearInterval(poll);
    unobserve();
    o.signal?.removeEventListener('abort', check);
    if (reason !== 'lost') {
      o.chat.setModel(o.reply, o.model);
      const timing = { ...(firstTokenAt !== undefined ? { firstTokenMs: firstTokenAt - started } : {}), totalMs: now() - started };
      if (usage) o.chat.setUsage(o.reply, { ...usage, costUsd: estimateCost(o.model, usage) ?? 0, ...timing });
    }
  }
}
