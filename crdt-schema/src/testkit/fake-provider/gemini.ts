/**
 * The Gemini generateContent wire format: with `?alt=sse`, SSE `data:` frames
 * each holding a GenerateContentResponse (candidates[].content.parts[] with
 * text or a complete functionCall); the last carries finishReason and
 * usageMetadata. No end marker. The key comes as `x-goog-api-key` or `?key=`.
 */
import type { Scenario } from './scenario.ts';
import { dataFrame, failureHeaders, finishOf, headerValue, type Dialect, type RenderContext } from './plan.ts';

const STATUS: Record<number, string> = {
  400: 'INVALID_ARGUMENT',
  403: 'PERMISSION_DENIED',
  404: 'NOT_FOUND',
  429: 'RESOURCE_EXHAUSTED',
  500: 'INTERNAL',
  503: 'UNAVAILABLE',
};

const errorBody = (code: number, message: string) => ({ error: { code, message, status: STATUS[code] ?? 'UNKNOWN' } });

const FINISH = { stop: 'STOP', length: 'MAX_TOKENS', tool_calls: 'STOP' } as const;

function usageMetadata(ctx: RenderContext) {
  const { inputTokens, outputTokens } = ctx.usage;
  return { promptTokenCount: inputTokens, candidatesTokenCount: outputTokens, totalTokenCount: inputTokens + outputTokens };
}

const response = (ctx: RenderContext, parts: unknown[], last?: Scenario) => ({
  candidates: [{ content: { parts, role: 'model' }, index: 0, ...(last && { finishReason: FINISH[finishOf(last)] }) }],
  ...(last && { usageMetadata: usageMetadata(ctx) }),
  modelVersion: ctx.model,
  responseId: ctx.id,
});

const callParts = (s: Scenario) =>
  (s.toolCalls ?? []).map((c) => ({ functionCall: { name: c.name, args: JSON.parse(c.arguments || '{}') as unknown } }));

export const geminiDialect: Dialect = {
  name: 'gemini',

  checkAuth(headers, query, apiKey) {
    const key = headerValue(headers['x-goog-api-key']) ?? query.get('key') ?? '';
    if (key === '') return { status: 403, body: errorBody(403, "Method doesn't allow unregistered callers. Please use an API key.") };
    if (apiKey !== undefined && key !== apiKey) return { status: 400, body: errorBody(400, 'API key not valid. Please pass a valid API key.') };
    return undefined;
  },

  failure(f) {
    return { status: f.status, headers: failureHeaders(f), body: errorBody(f.status, f.message ?? `fake failure ${f.status}`) };
  },

  json(s, ctx) {
    return response(ctx, [...(s.text ? [{ text: s.text.join('') }] : []), ...callParts(s)], s);
  },

  stream(s, ctx) {
    const text = (s.text ?? []).map((t) => dataFrame(response(ctx, [{ text: t }]), true));
    const calls = callParts(s).length > 0 ? [dataFrame(response(ctx, callParts(s)), true)] : [];
    return {
      prelude: [],
      content: [...text, ...calls],
      fillerAt: text.length,
      filler: (n) => dataFrame(response(ctx, [{ text: ` more${n}` }]), true),
      finish: [dataFrame(response(ctx, [{ text: '' }], s))],
      error: (message) => dataFrame(errorBody(500, message)),
    };
  },
};
