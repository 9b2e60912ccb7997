/**
 * The Anthropic Messages adapter. Text and tool_use arrive as content blocks;
 * a tool call's JSON arrives as input_json_delta pieces and is emitted whole
 * at content_block_stop. Input tokens come with message_start, output tokens
 * (cumulative) with message_delta; usage and done are emitted at message_stop.
 */
import { ANTHROPIC_BASE_URL, ANTHROPIC_VERSION, anthropicBody } from './anthropic-wire.ts';
import { resolveDeps, type LlmDeps } from './deps.ts';
import { LlmError, streamError } from './llm-error.ts';
import { answerEvents, openHttp, parseJson } from './transport.ts';
import type { FinishReason, LlmEvent, LlmProvider } from './types.ts';

export interface AnthropicConfig {
  readonly id?: string;
  /** Default https://api.anthropic.com (the adapter adds /v1/messages). */
  readonly baseUrl?: string;
  readonly apiKey: string;
  readonly version?: string;
  readonly headers?: Readonly<Record<string, string>>;
}

interface UsageJson { input_tokens?: number; output_tokens?: number; cache_creation_input_tokens?: number; cache_read_input_tokens?: number }
interface Block { type: string; text?: string; id?: string; name?: string; input?: unknown }
interface Event {
  type: string;
  index?: number;
  message?: { usage?: UsageJson; content?: Block[]; stop_reason?: string | null };
  content_block?: Block;
  delta?: { type?: string; text?: string; partial_json?: string; stop_reason?: string | null };
  usage?: UsageJson;
  error?: { type?: string; message?: string };
  content?: Block[];
  stop_reason?: string | null;
}

const FINISH: Record<string, FinishReason> = { end_turn: 'stop', stop_sequence: 'stop', max_tokens: 'length', tool_use: 'tool_calls', refusal: 'content_filter' };
const inputOf = (u: UsageJson): number => (u.input_tokens ?? 0) + (u.cache_creation_input_tokens ?? 0) + (u.cache_read_input_tokens ?? 0);

/** Folds Messages stream events (or one whole message) into events; plain state, no I/O. */
export function anthropicAssembler(provider: string, secrets: readonly (string | undefined)[] = []) {
  const tools = new Map<number, { id: string; name: string; json: string }>();
  let input = 0;
  let output = 0;
  let finish: FinishReason = 'stop';
  let stopped = false;
  const end = (): LlmEvent[] => {
    stopped = true;
    return [{ type: 'usage', inputTokens: input, outputTokens: output }, { type: 'done', finishReason: finish }];
  };
  return {
    get stopped() {
      return stopped;
    },
    push(e: Event): LlmEvent[] {
      switch (e.type) {
        case 'message_start':
          input = inputOf(e.message?.usage ?? {});
          output = e.message?.usage?.output_tokens ?? 0;
          return [];
        case 'content_block_start':
          if (e.content_block?.type === 'tool_use') tools.set(e.index ?? 0, { id: e.content_block.id ?? '', name: e.content_block.name ?? '', json: '' });
          return e.content_block?.type === 'text' && e.content_block.text ? [{ type: 'text', text: e.content_block.text }] : [];
        case 'content_block_delta':
          if (e.delta?.type === 'text_delta' && e.delta.text) return [{ type: 'text', text: e.delta.text }];
          if (e.delta?.type === 'input_json_delta') {
            const t = tools.get(e.index ?? 0);
            if (t) t.json += e.delta.partial_json ?? '';
          }
          return [];
        case 'content_block_stop': {
          const t = tools.get(e.index ?? 0);
          tools.delete(e.index ?? 0);
          return t ? [{ type: 'tool_call', id: t.id, name: t.name, arguments: t.json || '{}' }] : [];
        }
        case 'message_delta':
          if (e.delta?.stop_reason) finish = FINISH[e.delta.stop_reason] ?? 'other';
          if (e.usage?.output_tokens !== undefined) output = e.usage.output_tokens;
          if (e.usage?.input_tokens !== undefined) input = inputOf(e.usage);
          return [];
        case 'message_stop':
          return end();
        case 'error':
          throw streamError(provider, e.error?.type, e.error?.message ?? 'unknown error', secrets);
        case 'message':
          return whole(e);
        default:
          return [];
      }
    },
  };

  function whole(m: Event): LlmEvent[] {
    input = inputOf(m.usage ?? {});
    output = m.usage?.output_tokens ?? 0;
    finish = FINISH[m.stop_reason ?? 'end_turn'] ?? 'other';
    const out: LlmEvent[] = (m.content ?? []).map((b): LlmEvent =>
      b.type === 'tool_use' ? { type: 'tool_call', id: b.id ?? '', name: b.name ?? '', arguments: JSON.stringify(b.input ?? {}) } : { type: 'text', text: b.text ?? '' });
    return [...out.filter((e) => e.type !== 'text' || e.text !== ''), ...end()];
  }
}

export function createAnthropicProvider(config: AnthropicConfig, deps: Partial<LlmDeps> = {}): LlmProvider {
  const id = config.id ?? 'anthropic';
  const d = resolveDeps(deps);
  const base = (config.baseUrl ?? ANTHROPIC_BASE_URL).replace(/\/+$/, '');
  return {
    id,
    async *stream(request, options = {}) {
      const answer = await openHttp({
        provider: id,
        url: `${base}/v1/messages`,
        headers: { 'x-api-key': config.apiKey, 'anthropic-version': config.version ?? ANTHROPIC_VERSION, ...config.headers },
        body: anthropicBody(request),
        secrets: [config.apiKey],
      }, d, options.signal);
      const assembler = anthropicAssembler(id, [config.apiKey]);
      for await (const event of answerEvents(answer)) {
        if (!assembler.stopped) yield* assembler.push(parseJson(id, event.data) as Event);
      }
      if (!assembler.stopped) throw new LlmError('E_PROVIDER_STREAM', id, 'the stream ended before message_stop');
    },
  };
}
