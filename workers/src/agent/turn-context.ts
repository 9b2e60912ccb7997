/**
 * The model's view of a chat turn: the system prompt, then the conversation
 * up to and including the user turn being answered (finished replies only,
 * edits follow their branch), trimmed to the model's context window.
 */
import type { ChatMessage as StoredMessage } from '@tendril/crdt-schema/schema';
import type { MessageId } from '@tendril/crdt-schema/ids';
import { fitHistory, type ChatMessage } from '../llm/index.ts';

export interface TurnContextOptions {
  readonly systemPrompt?: string;
  readonly model: string;
  /** Summarizes history that no longer fits (compaction); without it, the oldest turns are dropped. */
  readonly summarize?: (dropped: readonly ChatMessage[], maxTokens: number) => Promise<string>;
}

export async function turnContext(transcript: readonly StoredMessage[], turn: MessageId, o: TurnContextOptions): Promise<ChatMessage[]> {
  const upTo = transcript.findIndex((m) => m.id === turn);
  const history = upTo < 0 ? transcript : transcript.slice(0, upTo + 1);
  // An edited message was superseded by its edit (a newer message whose parent it is).
  const superseded = new Set(history.filter((m) => m.role === 'user' && m.parent).map((m) => m.parent!));
  const messages: ChatMessage[] = [];
  if (o.systemPrompt) messages.push({ role: 'system', content: o.systemPrompt });
  for (const m of history) {
    if (superseded.has(m.id)) continue;
    if (m.role === 'user') messages.push({ role: 'user', content: m.content });
    else if (m.role === 'assistant' && m.status === 'done' && m.content) messages.push({ role: 'assistant', content: m.content });
  }
  const fitted = await fitHistory(messages, { model: o.model, ...(o.summarize ? { summarize: o.summarize } : {}) });
  return [...fitted.messages];
}
