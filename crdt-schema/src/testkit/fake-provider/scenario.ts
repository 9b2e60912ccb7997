/**
 * Scripted answers for the fake model provider. A scenario says what the next
 * answer contains (text pieces, tool calls, usage) and how it misbehaves (an
 * HTTP failure, an error mid-stream, a stall, an endless stream, slow pacing).
 * The server picks one per request: the `x-fake-scenario` header, else the
 * scenario for the request's model (`models`: a router model's scripted pick),
 * else a `[[scenario:NAME]]` marker in the last user message, else the queue,
 * else the default. A named scenario may be a sequence: its requests get the
 * entries in order and the last one from then on (fail twice, then answer).
 */

/** A tool call the fake model makes; `arguments` is the complete JSON text. */
export interface FakeToolCall {
  readonly id?: string;
  readonly name: string;
  readonly arguments: string;
  /** How the arguments are split across stream events; default three pieces. */
  readonly chunks?: readonly string[];
}

/** An HTTP failure instead of an answer. */
export interface FakeFailure {
  readonly status: number;
  /** Sent as the Retry-After header (seconds, or an HTTP date). */
  readonly retryAfter?: number | string;
  /** The provider error message; default one per status. */
  readonly message?: string;
}

export interface Scenario {
  /** Text pieces, one content event each. */
  readonly text?: readonly string[];
  readonly toolCalls?: readonly FakeToolCall[];
  /** OpenAI only: send the fragments of parallel tool calls round-robin (assembly must go by index). */
  readonly interleaveToolCalls?: boolean;
  /** Token counts to report; default estimated from the request and answer sizes. */
  readonly usage?: { readonly inputTokens: number; readonly outputTokens: number };
  /** Default `tool_calls` when there are tool calls, else `stop`. */
  readonly finishReason?: 'stop' | 'length' | 'tool_calls';
  readonly failWith?: FakeFailure;
  /** Send an error event (the provider's mid-stream error shape) after this many pieces. */
  readonly errorAfterChunks?: number;
  readonly errorMessage?: string;
  /** Stop sending after this many pieces and hold the connection open until the client leaves. */
  readonly stallAfterChunks?: number;
  /** After the text, keep sending filler pieces until the client aborts (the Stop button). */
  readonly endless?: boolean;
  /** Delay before each event. Default 0 (2 ms for endless streams). */
  readonly chunkDelayMs?: number;
  /** Delay before the response headers (first-byte timeouts). */
  readonly headerDelayMs?: number;
}

export interface ScenarioBook {
  /** Named scenarios, chosen by header or marker; a sequence is used in order, its last entry repeating. */
  readonly scenarios?: Readonly<Record<string, Scenario | readonly Scenario[]>>;
  /** Used in order, one per request without a header or marker. */
  readonly queue?: readonly Scenario[];
  /** Used when nothing else applies. */
  readonly fallback?: Scenario;
  /** By the request's model, before markers: a sequence is used in order, its last entry repeating. */
  readonly models?: Readonly<Record<string, Scenario | readonly Scenario[]>>;
}

export const SCENARIO_HEADER = 'x-fake-scenario';

/** The marker to put in a user message to pick a named scenario. */
export const scenarioMarker = (name: string): string => `[[scenario:${name}]]`;

export const DEFAULT_SCENARIO: Scenario = { text: ['Hello', ' from', ' the fake', ' provider.'] };

const MARKER = /\[\[scenario:([\w.-]+)\]\]/;

type Parts = unknown;
const textOf = (content: Parts): string => {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content.map((p: { text?: unknown }) => (typeof p?.text === 'string' ? p.text : '')).join('');
};

/** The text of the last user turn in an OpenAI, Anthropic or Gemini request body. */
export function lastUserText(body: unknown): string {
  const b = (body ?? {}) as { messages?: { role?: string; content?: Parts }[]; contents?: { role?: string; parts?: Parts }[] };
  const messages = b.messages ?? b.contents?.map((c) => ({ role: c.role ?? 'user', content: c.parts })) ?? [];
  const last = [...messages].reverse().find((m) => m.role === 'user');
  return last ? textOf(last.content) : '';
}

/** Picks the scenario for one request; `queue` is consumed in place, `used` counts requests per named sequence. */
export function pickScenario(
  book: ScenarioBook,
  queue: Scenario[],
  header: string | undefined,
  body: unknown,
  used: Map<string, number> = new Map(),
  model?: string,
): { name: string; scenario: Scenario } {
  const byModel = header === undefined && model !== undefined ? book.models?.[model] : undefined;
  if (byModel !== undefined) {
    const key = `model:${model}`;
    const n = used.get(key) ?? 0;
    used.set(key, n + 1);
    return { name: key, scenario: isSequence(byModel) ? byModel[Math.min(n, byModel.length - 1)]! : byModel };
  }
  const named = header ?? MARKER.exec(lastUserText(body))?.[1];
  if (named !== undefined) {
    const entry = book.scenarios?.[named];
    const n = used.get(named) ?? 0;
    used.set(named, n + 1);
    const scenario = isSequence(entry) ? entry[Math.min(n, entry.length - 1)] : entry;
    if (!scenario) throw new Error(`fake provider: no scenario named ${named}`);
    return { name: named, scenario };
  }
  const next = queue.shift();
  if (next) return { name: 'queued', scenario: next };
  return { name: 'default', scenario: book.fallback ?? DEFAULT_SCENARIO };
}

const isSequence = (s: Scenario | readonly Scenario[] | undefined): s is readonly Scenario[] => Array.isArray(s);

/** Splits tool-call arguments into the pieces streamed for it. */
export function argumentPieces(call: FakeToolCall): string[] {
  if (call.chunks) return [...call.chunks];
  const n = Math.max(1, Math.ceil(call.arguments.length / 3));
  const out: string[] = [];
  for (let i = 0; i < call.arguments.length; i += n) out.push(call.arguments.slice(i, i + n));
  return out;
}

/** The usage a scenario reports: scripted, or estimated at about four characters a token. */
export function usageFor(s: Scenario, body: unknown): { inputTokens: number; outputTokens: number } {
  if (s.usage) return s.usage;
  const out = (s.text ?? []).join('').length + (s.toolCalls ?? []).reduce((n, c) => n + c.name.length + c.arguments.length, 0);
  return { inputTokens: Math.max(1, Math.ceil(JSON.stringify(body ?? '').length / 4)), outputTokens: Math.max(1, Math.ceil(out / 4)) };
}
