/**
 * The OpenAI Chat Completions wire format, as OpenAI, Groq, OpenRouter, vLLM
 * and Ollama's /v1 speak it: `chat.completion.chunk` SSE frames sharing one
 * id, a role-only first delta, tool-call fragments keyed by index (id, type
 * and name only on the first), finish_reason on the last choice chunk, an
 * optional usage chunk with empty choices, keep-alive comments, `[DONE]`.
 */
import { argumentPieces, type FakeToolCall } from './scenario.ts';
import { dataFrame, failureHeaders, finishOf, headerValue, type Dialect, type Frame, type RenderContext } from './plan.ts';

const ERROR_TYPES: Record<number, [type: string, code: string | null]> = {
  400: ['invalid_request_error', null],
  401: ['invalid_request_error', 'invalid_api_key'],
  404: ['invalid_request_error', 'model_not_found'],
  429: ['requests', 'rate_limit_exceeded'],
};

const errorBody = (status: number, message: string) => {
  const [type, code] = ERROR_TYPES[status] ?? ['server_error', null];
  return { error: { message, type, param: null, code } };
};

const callId = (c: FakeToolCall, i: number): string => c.id ?? `call_fake${i}`;

function toolFragments(calls: readonly FakeToolCall[], interleave: boolean): unknown[][] {
  const perCall = calls.map((c, index) => [
    { index, id: callId(c, index), type: 'function', function: { name: c.name, arguments: '' } },
    ...argumentPieces(c).map((piece) => ({ index, function: { arguments: piece } })),
  ]);
  if (!interleave) return perCall.flat().map((f) => [f]);
  const out: unknown[][] = [];
  for (let i = 0; perCall.some((p) => i < p.length); i++) for (const p of perCall) if (i < p.length) out.push([p[i]]);
  return out;
}

export const openAiDialect: Dialect = {
  name: 'openai',

  checkAuth(headers, _query, apiKey) {
    const auth = headerValue(headers.authorization) ?? '';
    const key = auth.startsWith('Bearer ') ? auth.slice(7) : '';
    if (key !== '' && (apiKey === undefined || key === apiKey)) return undefined;
    const message = key === '' ? "You didn't provide an API key." : `Incorrect API key provided: ${key}.`;
    return { status: 401, body: errorBody(401, message) };
  },

  failure(f) {
    return { status: f.status, headers: failureHeaders(f), body: errorBody(f.status, f.message ?? `fake failure ${f.status}`) };
  },

  json(s, ctx) {
    const calls = s.toolCalls ?? [];
    const message = {
      role: 'assistant',
      content: s.text ? s.text.join('') : null,
      refusal: null,
      ...(calls.length > 0 && { tool_calls: calls.map((c, i) => ({ id: callId(c, i), type: 'function', function: { name: c.name, arguments: c.arguments } })) }),
    };
    return {
      id: ctx.id, object: 'chat.completion', created: ctx.created, model: ctx.model, system_fingerprint: 'fp_fake',
      choices: [{ index: 0, message, logprobs: null, finish_reason: finishOf(s) }],
      usage: usageJson(ctx),
    };
  },

  stream(s, ctx) {
    const chunk = (choices: unknown[], extra: Record<string, unknown> = {}, piece = false): Frame =>
      dataFrame({
        id: ctx.id, object: 'chat.completion.chunk', created: ctx.created, model: ctx.model, system_fingerprint: 'fp_fake',
        choices, ...(ctx.includeUsage && { usage: null }), ...extra,
      }, piece);
    const delta = (d: unknown, piece = true): Frame => chunk([{ index: 0, delta: d, logprobs: null, finish_reason: null }], {}, piece);
    const text = (s.text ?? []).map((t) => delta({ content: t }));
    const tools = toolFragments(s.toolCalls ?? [], s.interleaveToolCalls === true).map((f) => delta({ tool_calls: f }));
    return {
      prelude: [delta({ role: 'assistant', content: '', refusal: null }, false), { sse: ': keep-alive\n\n', piece: false }],
      content: [...text, ...tools],
      fillerAt: text.length,
      filler: (n) => delta({ content: ` more${n}` }),
      finish: [
        chunk([{ index: 0, delta: {}, logprobs: null, finish_reason: finishOf(s) }]),
        ...(ctx.includeUsage ? [chunk([], { usage: usageJson(ctx) })] : []),
        { sse: 'data: [DONE]\n\n', piece: false },
      ],
      error: (message) => dataFrame(errorBody(500, message)),
    };
  },
};

function usageJson(ctx: RenderContext) {
  const { inputTokens, outputTokens } = ctx.usage;
  return { prompt_tokens: inputTokens, completion_tokens: outputTokens, total_tokens: inputTokens + outputTokens };
}
