/**
 * The model's view of a chat turn: the system prompt, then the conversation
 * on the branch that leads to the user turn being answered (the schema's
 * active branch: one version of each message, never the replies to a version
 * left behind), finished replies only, trimmed to the model's context window.
 * A user turn's attachments are fetched and opened on this device: images go
 * with the message as image parts to models that take images (each provider's
 * format is the wire builders' business; a text-only model gets a note
 * instead), text files are added to its text.
 */
import * as buffer from 'lib0/buffer';
import { activeBranch, isImageAttachment, type ChatAttachment, type ChatMessage as StoredMessage } from '@tendril/crdt-schema/schema';
import type { MessageId } from '@tendril/crdt-schema/ids';
import { collect, contextWindow, DEFAULT_CONTEXT_WINDOW, fitHistory, takesImages, type ChatMessage, type ImagePart, type LlmProvider } from '../llm/index.ts';

/** Opens an attachment of the chat being answered: its plaintext bytes. */
export type AttachmentOpener = (ref: ChatAttachment) => Promise<Uint8Array>;

export interface TurnContextOptions {
  readonly systemPrompt?: string;
  readonly model: string;
  /** Summarizes history that no longer fits (compaction); without it, the oldest turns are dropped. */
  readonly summarize?: (dropped: readonly ChatMessage[], maxTokens: number) => Promise<string>;
  /** Context window in tokens; default from the model table. */
  readonly window?: number;
  /** Opens attachments; without it a turn's files are named in its text but not sent. */
  readonly attachments?: AttachmentOpener;
}

const utf8 = new TextDecoder('utf-8', { fatal: false });

/** A user turn with its attachments: text files appended to the text, images as parts. */
async function userMessage(m: StoredMessage, open: AttachmentOpener | undefined, model: string): Promise<ChatMessage> {
  if (!m.attachments?.length) return { role: 'user', content: m.content };
  let content = m.content;
  const images: ImagePart[] = [];
  for (const a of m.attachments) {
    let bytes: Uint8Array | undefined;
    let problem: string | undefined;
    if (isImageAttachment(a) && !takesImages(model)) {
      content += `\n\n[image ${a.name} not sent: ${model} takes no images]`;
      continue;
    }
    if (!open) problem = 'not available to this runner';
    else {
      try {
        bytes = await open(a);
      } catch (e) {
        problem = (e as Error).message;
      }
    }
    if (!bytes) content += `\n\n[attachment ${a.name} could not be opened: ${problem ?? 'unknown'}]`;
    else if (isImageAttachment(a)) images.push({ mime: a.mime, base64: buffer.toBase64(bytes) });
    else content += `\n\n--- attached file ${a.name} (${a.mime}) ---\n${utf8.decode(bytes)}\n--- end of ${a.name} ---`;
  }
  return images.length > 0 ? { role: 'user', content, images } : { role: 'user', content };
}

/**
 * Compaction through the model itself: the turns that no longer fit, summarized in about `maxTokens`.
 * What is sent is cut to half the model's window (a huge old message must not make the summary request
 * itself too large), and the request ends with `signal` (Stop, a deleted chat).
 */
export function modelSummarizer(provider: LlmProvider, model: string, signal?: AbortSignal): (dropped: readonly ChatMessage[], maxTokens: number) => Promise<string> {
  const maxChars = Math.floor(((contextWindow(model) ?? DEFAULT_CONTEXT_WINDOW) / 2) * 4);
  return async (dropped, maxTokens) => {
    const text = dropped.map((m) => `${m.role}: ${'content' in m ? m.content : ''}`).join('\n\n').slice(-maxChars);
    const answer = await collect(
      provider.stream({
        model,
        maxTokens,
        messages: [
          { role: 'system', content: `Summarize this conversation in at most ${maxTokens} tokens. Keep facts, decisions, names and open questions.` },
          { role: 'user', content: text },
        ],
      }, signal ? { signal } : {}),
    );
    return answer.text;
  };
}

export async function turnContext(transcript: readonly StoredMessage[], turn: MessageId, o: TurnContextOptions): Promise<ChatMessage[]> {
  const history = activeBranch(transcript, { through: turn }).messages;
  const messages: ChatMessage[] = [];
  if (o.systemPrompt) messages.push({ role: 'system', content: o.systemPrompt });
  for (const m of history) {
    if (m.role === 'user') messages.push(await userMessage(m, o.attachments, o.model));
    else if (m.role === 'assistant' && m.status === 'done' && m.content) messages.push({ role: 'assistant', content: m.content });
  }
  const fitted = await fitHistory(messages, { model: o.model, ...(o.window ? { window: o.window } : {}), ...(o.summarize ? { summarize: o.summarize } : {}) });
  return [...fitted.messages];
}
