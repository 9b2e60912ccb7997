/**
 * The OpenAI-compatible adapter. Tool calls arrive as fragments keyed by
 * index (id and name on the first, argument pieces after), possibly
 * interleaved across parallel calls; they are assembled per index and emitted
 * whole when the choice finishes. Usage comes from the include_usage chunk.
 */
import { resolveDeps, type LlmDeps } from './deps.ts';
import { LlmError, streamError } from './llm-error.ts';
import { openAiBody } from './openai-wire.ts';
import { answerEvents, openHttp, parseJson } from './transport.ts';
import type { FinishReason, LlmEvent, LlmProvider, ToolCall, Usage } from './types.ts';

export interface OpenAiConfig {
  /** Name in messages; default "openai". */
  readonly id?: string;
  /** Base URL including /v1 (see OPENAI_COMPATIBLE). */
  readonly baseUrl: string;
  /** Sent as a Bearer token; may be empty for a local server. */
  readonly apiKey?: string;
  readonly headers?: Readonly<Record<string, string>>;
  /** Ask for a usage chunk (`stream_options.include_usage`); default true. */
  readonly includeUsage?: boolean;
}

interface ToolFragment { index?: number; id?: string; function?: { name?: string; arguments?: string } }
interface Choice { delta?: { content?: string | null; tool_calls?: ToolFragment[] }; message?: { content?: string | null; tool_calls?: ToolFragment[] }; finish_reason?: string | null }
interface Chunk { choices?: Choice[]; usage?: { prompt_tokens?: number; completion_tokens?: number } | null; error?: { message?: string; type?: string } }

const FINISH: Record<string, FinishReason> = { stop: 'stop', length: 'length', tool_calls: 'tool_calls', function_call: 'tool_calls', content_filter: 'content_filter' };

/** Folds chunks into events; plain state, no I/O. */
export function openAiAssembler(provider: string) {
  const calls = new Map<number, { id: string; name: string; args: string }>();
  let finish: FinishReason | undefined;
  let usage: Usage | undefined;
  const flushCalls = (): LlmEvent[] => {
    const out = [...calls.entries()].sort(([a], [b]) => a - b).map(([, c]): LlmEvent & ToolCall => ({ type: 'tool_call', id: c.id, name: c.name, arguments: c.args || '{}' }));
    calls.clear();
    return out;
  };
  return {
    push(chunk: Chunk): LlmEvent[] {
      if (chunk.error) throw streamError(provider, chunk.error.type, chunk.error.message ?? 'unknown error', []);
      const out: LlmEvent[] = [];
      const choice = chunk.choices?.[0];
      const delta = choice?.delta ?? choice?.message;
      if (delta?.content) out.push({ type: 'text', text: delta.content });
      for (const [position, f] of (delta?.tool_calls ?? []).entries()) {
        const index = f.index ?? position;
        const call = calls.get(index) ?? { id: '', name: '', args: '' };
        if (f.id) call.id = f.id;
        if (f.function?.name) call.name = f.function.name;
        call.args += f.function?.arguments ?? '';
        calls.set(index, call);
      }
      if (choice?.finish_reason) {
        finish = FINISH[choice.finish_reason] ?? 'other';
        out.push(...flushCalls());
      }
      if (chunk.usage) usage = { inputTokens: chunk.usage.prompt_tokens ?? 0, outputTokens: chunk.usage.completion_tokens ?? 0 };
      return out;
    },
    /** At [DONE] (or the end of a JSON answer); `complete` says whether an end marker was seen. */
    end(complete: boolean): LlmEvent[] {
      if (!complete && finish === undefined) throw new LlmError('E_PROVIDER_STREAM', provider, 'the stream ended before the answer finished');
      return [...flushCalls(), ...(usage ? [{ type: 'usage' as const, ...usage }] : []), { type: 'done', finishReason: finish ?? 'stop' }];
    },
  };
}

export function createOpenAiProvider(config: OpenAiConfig, deps: Partial<LlmDeps> = {}): LlmProvider {
  const id = config.id ?? 'openai';
  const d = resolveDeps(deps);
  const base = config.baseUrl.replace(/\/+$/, '');
  return {
    id,
    async *stream(request, options = {}) {
      const answer = await openHttp({
        provider: id,
        url: `${base}/chat/completions`,
        headers: { ...(config.apiKey ? { authorization: `Bearer ${config.apiKey}` } : {}), ...config.headers },
        body: openAiBody(request, config.includeUsage !== false),
        secrets: [config.apiKey],
      }, d, options.signal);
      const assembler = openAiAssembler(id);
      let ended = false;
      // After [DONE] the body is drained, not cut, so the connection ends cleanly.
      for await (const event of answerEvents(answer)) {
        if (ended) continue;
        if (event.data !== '[DONE]') yield* assembler.push(parseJson(id, event.data) as Chunk);
        if (event.data === '[DONE]' || event.event === 'json') {
          ended = true;
          yield* assembler.end(true);
        }
      }
      if (!ended) yield* assembler.end(false);
    },
  };
}
