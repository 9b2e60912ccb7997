/**
 * The Gemini adapter (streamGenerateContent with alt=sse). Each chunk is a
 * whole GenerateContentResponse; function calls arrive complete (ids are
 * made up when the model gives none). The last chunk carries finishReason
 * and usageMetadata; the stream has no end marker.
 */
import { resolveDeps, type LlmDeps } from './deps.ts';
import { GEMINI_BASE_URL, geminiBody } from './gemini-wire.ts';
import { LlmError, streamError } from './llm-error.ts';
import { answerEvents, openHttp, parseJson } from './transport.ts';
import type { FinishReason, LlmEvent, LlmProvider, Usage } from './types.ts';

export interface GeminiConfig {
  readonly id?: string;
  /** Default https://generativelanguage.googleapis.com (the adapter adds /v1beta/models/...). */
  readonly baseUrl?: string;
  readonly apiKey: string;
  readonly headers?: Readonly<Record<string, string>>;
}

interface Part { text?: string; thought?: boolean; functionCall?: { id?: string; name?: string; args?: unknown } }
interface Chunk {
  candidates?: { content?: { parts?: Part[] }; finishReason?: string }[];
  usageMetadata?: { promptTokenCount?: number; candidatesTokenCount?: number; thoughtsTokenCount?: number };
  error?: { code?: number; message?: string; status?: string };
}

const FINISH: Record<string, FinishReason> = { STOP: 'stop', MAX_TOKENS: 'length', SAFETY: 'content_filter', RECITATION: 'content_filter', PROHIBITED_CONTENT: 'content_filter', BLOCKLIST: 'content_filter' };
const ERROR_TYPES: Record<string, string> = { RESOURCE_EXHAUSTED: 'rate_limit_error', INTERNAL: 'server_error', UNAVAILABLE: 'server_error' };

/** Folds response chunks into events; plain state, no I/O. */
export function geminiAssembler(provider: string) {
  let calls = 0;
  let finish: FinishReason | undefined;
  let usage: Usage | undefined;
  return {
    push(chunk: Chunk): LlmEvent[] {
      if (chunk.error) throw streamError(provider, ERROR_TYPES[chunk.error.status ?? ''], chunk.error.message ?? 'unknown error', []);
      const out: LlmEvent[] = [];
      const candidate = chunk.candidates?.[0];
      for (const p of candidate?.content?.parts ?? []) {
        if (p.text && !p.thought) out.push({ type: 'text', text: p.text });
        if (p.functionCall) {
          const id = p.functionCall.id ?? `call_${calls}`;
          calls++;
          out.push({ type: 'tool_call', id, name: p.functionCall.name ?? '', arguments: JSON.stringify(p.functionCall.args ?? {}) });
        }
      }
      if (candidate?.finishReason) finish = FINISH[candidate.finishReason] ?? 'other';
      const u = chunk.usageMetadata;
      if (u) usage = { inputTokens: u.promptTokenCount ?? 0, outputTokens: (u.candidatesTokenCount ?? 0) + (u.thoughtsTokenCount ?? 0) };
      return out;
    },
    end(): LlmEvent[] {
      if (finish === undefined) throw new LlmError('E_PROVIDER_STREAM', provider, 'the stream ended without a finish reason');
      const reason = finish === 'stop' && calls > 0 ? 'tool_calls' : finish;
      return [...(usage ? [{ type: 'usage' as const, ...usage }] : []), { type: 'done', finishReason: reason }];
    },
  };
}

export function createGeminiProvider(config: GeminiConfig, deps: Partial<LlmDeps> = {}): LlmProvider {
  const id = config.id ?? 'gemini';
  const d = resolveDeps(deps);
  const base = (config.baseUrl ?? GEMINI_BASE_URL).replace(/\/+$/, '');
  return {
    id,
    async *stream(request, options = {}) {
      const model = encodeURIComponent(request.model.replace(/^models\//, ''));
      const method = request.stream === false ? 'generateContent' : 'streamGenerateContent?alt=sse';
      const answer = await openHttp({
        provider: id,
        url: `${base}/v1beta/models/${model}:${method}`,
        headers: { 'x-goog-api-key': config.apiKey, ...config.headers },
        body: geminiBody(request),
        secrets: [config.apiKey],
      }, d, options.signal);
      const assembler = geminiAssembler(id);
      for await (const event of answerEvents(answer)) yield* assembler.push(parseJson(id, event.data) as Chunk);
      yield* assembler.end();
    },
  };
}
