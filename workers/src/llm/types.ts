/**
 * The provider-neutral shape of a chat request and of what comes back. Every
 * adapter turns its provider's stream into the same events: text deltas,
 * fully assembled tool calls, one usage report and one `done`.
 */

/** A tool call the model made; `arguments` is the complete JSON text. */
export interface ToolCall {
  readonly id: string;
  readonly name: string;
  readonly arguments: string;
}

/** An image sent with a user message to a vision model: its media type and its bytes in base64. */
export interface ImagePart {
  readonly mime: string;
  readonly base64: string;
}

export type ChatMessage =
  | { readonly role: 'system'; readonly content: string }
  /** `images`: attached images, sent in each provider's own format (the *-wire.ts builders). */
  | { readonly role: 'user'; readonly content: string; readonly images?: readonly ImagePart[] }
  | { readonly role: 'assistant'; readonly content: string; readonly toolCalls?: readonly ToolCall[] }
  /** The result of a tool call, answering the assistant message that made it. */
  | { readonly role: 'tool'; readonly toolCallId: string; readonly content: string };

/** A tool the model may call; `parameters` is a JSON Schema object. */
export interface ToolSpec {
  readonly name: string;
  readonly description?: string;
  readonly parameters: Readonly<Record<string, unknown>>;
}

export interface LlmRequest {
  readonly model: string;
  readonly messages: readonly ChatMessage[];
  readonly tools?: readonly ToolSpec[];
  readonly maxTokens?: number;
  readonly temperature?: number;
  /** Ask for a streamed answer (default true); a JSON answer becomes the same events. */
  readonly stream?: boolean;
}

export interface Usage {
  readonly inputTokens: number;
  readonly outputTokens: number;
}

export type FinishReason = 'stop' | 'length' | 'tool_calls' | 'content_filter' | 'other';

export type LlmEvent =
  | { readonly type: 'text'; readonly text: string }
  | ({ readonly type: 'tool_call' } & ToolCall)
  | ({ readonly type: 'usage' } & Usage)
  | { readonly type: 'done'; readonly finishReason: FinishReason };

export interface StreamOptions {
  /** Aborting ends the HTTP request promptly; the stream then throws E_ABORTED. */
  readonly signal?: AbortSignal;
}

/** One configured model provider. Errors are LlmError (a TendrilError with a stable code). */
export interface LlmProvider {
  /** A short name for messages and logs, e.g. "openai", "groq", "anthropic". */
  readonly id: string;
  stream(request: LlmRequest, options?: StreamOptions): AsyncIterable<LlmEvent>;
}

/** True for events that show the user output: after one, a request is never retried or re-routed. */
export const isOutput = (e: LlmEvent): boolean => e.type === 'text' || e.type === 'tool_call';

/** Collects a whole answer (tests and non-interactive callers). */
export async function collect(stream: AsyncIterable<LlmEvent>): Promise<{
  text: string;
  toolCalls: ToolCall[];
  usage: Usage | undefined;
  finishReason: FinishReason | undefined;
  events: LlmEvent[];
}> {
  const events: LlmEvent[] = [];
  for await (const e of stream) events.push(e);
  const usage = events.findLast((e) => e.type === 'usage');
  const done = events.findLast((e) => e.type === 'done');
  return {
    text: events.map((e) => (e.type === 'text' ? e.text : '')).join(''),
    toolCalls: events.flatMap((e) => (e.type === 'tool_call' ? [{ id: e.id, name: e.name, arguments: e.arguments }] : [])),
    usage: usage && { inputTokens: usage.inputTokens, outputTokens: usage.outputTokens },
    finishReason: done?.finishReason,
    events,
  };
}
