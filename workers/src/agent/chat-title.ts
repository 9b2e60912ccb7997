/**
 * A chat's title after its first reply: the runner that answered asks the
 * chat's model (the one the reply used) for a few words, in one small extra
 * request whose tokens are added to the reply's usage (so every total that
 * counts replies counts them). The title goes to the chat's entry in the
 * workspace index as a runner's title, which a person's title always beats
 * (workspace-chats.ts); the chat is asked again just before writing, so a
 * rename made while the request ran is kept. A failed or empty answer leaves
 * the chat as it is: a title never fails a turn. Node-free: a tab runs it too.
 */
import type { ChatDoc } from '@tendril/crdt-schema/schema';
import type { MessageId } from '@tendril/crdt-schema/ids';
import { collect, estimateCost, type LlmProvider } from '../llm/index.ts';

/** The chat's entry in the workspace index, as a runner may title it. */
export interface TitleSink {
  /** True while the chat is neither named by a person nor titled yet. */
  wantsTitle(): boolean;
  /** Writes a runner's title; false when the chat was named or titled meanwhile. */
  setAutoTitle(title: string): boolean;
}

export interface TitleInput {
  readonly chat: ChatDoc;
  readonly turn: MessageId;
  readonly reply: MessageId;
  readonly provider: LlmProvider;
  readonly model: string;
  readonly sink: TitleSink;
  readonly signal?: AbortSignal;
}

export const TITLE_INSTRUCTION = 'Write a title of at most six words for the conversation below. Answer with the title only: no quotes, no punctuation at the end.';
const MAX_TITLE = 80;
const MAX_QUOTED = 1500;

/** The model's answer as a title: its first line, without quotes, heading marks or a trailing full stop; empty when nothing is left. */
export function cleanTitle(text: string): string {
  const line = text.trim().split('\n')[0] ?? '';
  const bare = line.replace(/^(?:#+\s*|title:\s*)/i, '').replace(/[.。]+$/, '').replace(/^["'“”*_`]+|["'“”*_`]+$/g, '').replace(/[.。]+$/, '').trim();
  const clean = bare.replace(/[\u0000-\u001f\u007f]/g, ' ').replace(/\s+/g, ' ');
  return clean.length > MAX_TITLE ? `${clean.slice(0, MAX_TITLE - 1).trimEnd()}…` : clean;
}

/** Titles the chat when it wants one; returns the title written, or undefined. */
export async function titleChat(i: TitleInput): Promise<string | undefined> {
  if (!i.sink.wantsTitle()) return undefined;
  const asked = i.chat.message(i.turn)?.content ?? '';
  const answered = i.chat.message(i.reply)?.content ?? '';
  if (asked.trim() === '') return undefined;
  const answer = await collect(i.provider.stream({
    model: i.model,
    maxTokens: 30,
    messages: [
      { role: 'system', content: TITLE_INSTRUCTION },
      { role: 'user', content: `User: ${asked.slice(0, MAX_QUOTED)}\n\nAssistant: ${answered.slice(0, MAX_QUOTED)}` },
    ],
  }, i.signal ? { signal: i.signal } : {}));
  if (answer.usage) {
    const u = answer.usage;
    const had = i.chat.message(i.reply)?.usage;
    const cost = estimateCost(i.model, u) ?? 0;
    i.chat.setUsage(i.reply, {
      ...(had ?? {}),
      inputTokens: (had?.inputTokens ?? 0) + u.inputTokens,
      outputTokens: (had?.outputTokens ?? 0) + u.outputTokens,
      costUsd: (had?.costUsd ?? 0) + cost,
    });
  }
  const title = cleanTitle(answer.text);
  if (title === '') return undefined;
  return i.sink.setAutoTitle(title) ? title : undefined;
}
