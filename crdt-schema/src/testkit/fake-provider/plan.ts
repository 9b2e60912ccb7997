/**
 * What a provider dialect renders a scenario into: either a failure, a JSON
 * body, or a stream plan of ready-made SSE frames that the writer paces,
 * interrupts (error, stall) or extends (endless) without knowing the dialect.
 */
import type { FakeFailure, Scenario } from './scenario.ts';

/** One SSE frame; `piece` marks the frames that carry answer content (counted for errorAfterChunks and stallAfterChunks). */
export interface Frame {
  readonly sse: string;
  readonly piece: boolean;
}

export interface StreamPlan {
  /** Frames before any content (role chunk, message_start, ping, comments). */
  readonly prelude: readonly Frame[];
  readonly content: readonly Frame[];
  /** Where endless filler goes, as an index into `content`. */
  readonly fillerAt: number;
  /** The n-th filler frame of an endless stream. */
  filler(n: number): Frame;
  /** Finish reason, usage, end marker. */
  readonly finish: readonly Frame[];
  /** The dialect's mid-stream error event. */
  error(message: string): Frame;
}

/** Facts shared by every frame of one answer. */
export interface RenderContext {
  readonly id: string;
  readonly created: number;
  readonly model: string;
  readonly usage: { readonly inputTokens: number; readonly outputTokens: number };
  /** OpenAI `stream_options.include_usage`. */
  readonly includeUsage: boolean;
  readonly body: unknown;
}

export interface HttpAnswer {
  readonly status: number;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body: unknown;
}

/** One provider's wire format. */
export interface Dialect {
  readonly name: 'openai' | 'anthropic' | 'gemini';
  /** A rejection for missing or wrong credentials, else undefined. */
  checkAuth(headers: Record<string, string | string[] | undefined>, query: URLSearchParams, apiKey: string | undefined): HttpAnswer | undefined;
  failure(f: FakeFailure, apiKey: string | undefined): HttpAnswer;
  json(s: Scenario, ctx: RenderContext): unknown;
  stream(s: Scenario, ctx: RenderContext): StreamPlan;
}

/** `data: JSON` frame. */
export const dataFrame = (value: unknown, piece = false): Frame => ({ sse: `data: ${JSON.stringify(value)}\n\n`, piece });

/** `event: NAME` + `data: JSON` frame. */
export const eventFrame = (event: string, value: unknown, piece = false): Frame => ({
  sse: `event: ${event}\ndata: ${JSON.stringify(value)}\n\n`,
  piece,
});

/** Headers for a failure: Retry-After when scripted. */
export const failureHeaders = (f: FakeFailure): Record<string, string> =>
  f.retryAfter === undefined ? {} : { 'retry-after': String(f.retryAfter) };

/** The answer's finish reason in neutral terms. */
export const finishOf = (s: Scenario): 'stop' | 'length' | 'tool_calls' =>
  s.finishReason ?? ((s.toolCalls?.length ?? 0) > 0 ? 'tool_calls' : 'stop');

export const headerValue = (h: string | string[] | undefined): string | undefined => (Array.isArray(h) ? h[0] : h);
