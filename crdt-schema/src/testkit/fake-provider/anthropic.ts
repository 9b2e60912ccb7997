/**
 * The Anthropic Messages wire format: named SSE events message_start (input
 * usage), content_block_start/delta/stop for text and tool_use blocks
 * (text_delta, input_json_delta), ping, message_delta (stop_reason and the
 * cumulative output usage), message_stop; `event: error` mid-stream. Requests
 * need `x-api-key` and `anthropic-version`.
 */
import { argumentPieces, type Scenario } from './scenario.ts';
import { eventFrame, failureHeaders, finishOf, headerValue, type Dialect, type Frame } from './plan.ts';

const ERROR_TYPES: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  403: 'permission_error',
  404: 'not_found_error',
  413: 'request_too_large',
  429: 'rate_limit_error',
  529: 'overloaded_error',
};

const errorBody = (type: string, message: string) => ({ type: 'error', error: { type, message } });

const STOP_REASONS = { stop: 'end_turn', length: 'max_tokens', tool_calls: 'tool_use' } as const;

const toolId = (id: string | undefined, i: number): string => id ?? `toolu_fake${i}`;

export const anthropicDialect: Dialect = {
  name: 'anthropic',

  checkAuth(headers, _query, apiKey) {
    const key = headerValue(headers['x-api-key']);
    if (key === undefined || key === '' || (apiKey !== undefined && key !== apiKey)) {
      return { status: 401, body: errorBody('authentication_error', 'invalid x-api-key') };
    }
    if (!headerValue(headers['anthropic-version'])) {
      return { status: 400, body: errorBody('invalid_request_error', 'anthropic-version: header is required') };
    }
    return undefined;
  },

  failure(f) {
    const type = ERROR_TYPES[f.status] ?? 'api_error';
    return { status: f.status, headers: failureHeaders(f), body: errorBody(type, f.message ?? `fake failure ${f.status}`) };
  },

  json(s, ctx) {
    const content = [
      ...(s.text ? [{ type: 'text', text: s.text.join('') }] : []),
      ...(s.toolCalls ?? []).map((c, i) => ({ type: 'tool_use', id: toolId(c.id, i), name: c.name, input: JSON.parse(c.arguments || '{}') as unknown })),
    ];
    return {
      id: ctx.id, type: 'message', role: 'assistant', model: ctx.model, content,
      stop_reason: STOP_REASONS[finishOf(s)], stop_sequence: null,
      usage: { input_tokens: ctx.usage.inputTokens, output_tokens: ctx.usage.outputTokens },
    };
  },

  stream(s: Scenario, ctx) {
    const content: Frame[] = [];
    let index = 0;
    const hasText = s.text !== undefined || s.endless === true;
    let fillerAt = 0;
    if (hasText) {
      content.push(eventFrame('content_block_start', { type: 'content_block_start', index, content_block: { type: 'text', text: '' } }));
      for (const text of s.text ?? []) {
        content.push(eventFrame('content_block_delta', { type: 'content_block_delta', index, delta: { type: 'text_delta', text } }, true));
      }
      fillerAt = content.length;
      content.push(eventFrame('content_block_stop', { type: 'content_block_stop', index }));
      index++;
    }
    for (const [i, call] of (s.toolCalls ?? []).entries()) {
      const block = { type: 'tool_use', id: toolId(call.id, i), name: call.name, input: {} };
      content.push(eventFrame('content_block_start', { type: 'content_block_start', index, content_block: block }));
      for (const partial_json of ['', ...argumentPieces(call)]) {
        content.push(eventFrame('content_block_delta', { type: 'content_block_delta', index, delta: { type: 'input_json_delta', partial_json } }, partial_json !== ''));
      }
      content.push(eventFrame('content_block_stop', { type: 'content_block_stop', index }));
      index++;
    }
    const message = {
      id: ctx.id, type: 'message', role: 'assistant', model: ctx.model, content: [], stop_reason: null, stop_sequence: null,
      usage: { input_tokens: ctx.usage.inputTokens, output_tokens: 1 },
    };
    return {
      prelude: [eventFrame('message_start', { type: 'message_start', message }), eventFrame('ping', { type: 'ping' })],
      content,
      fillerAt,
      filler: (n) => eventFrame('content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: ` more${n}` } }, true),
      finish: [
        eventFrame('message_delta', {
          type: 'message_delta',
          delta: { stop_reason: STOP_REASONS[finishOf(s)], stop_sequence: null },
          usage: { output_tokens: ctx.usage.outputTokens },
        }),
        eventFrame('message_stop', { type: 'message_stop' }),
      ],
      error: (message) => eventFrame('error', errorBody('overloaded_error', message)),
    };
  },
};
