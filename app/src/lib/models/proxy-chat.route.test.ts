import { describe, expect, it } from 'vitest';
import { buildRequest, routeFor, streamPrompt, takeSseData, textOf } from './proxy-chat.ts';

const ORIGIN = 'https://app.example';

describe('routeFor', () => {
  it('sends OpenAI and Anthropic through the same-origin proxy', () => {
    expect(routeFor({ kind: 'openai', model: 'm' }, ORIGIN)).toEqual({ url: `${ORIGIN}/v1/proxy/chat/completions`, dialect: 'openai', proxied: true });
    expect(routeFor({ kind: 'anthropic', model: 'm', baseUrl: 'https://api.anthropic.com' }, ORIGIN)).toEqual({ url: `${ORIGIN}/v1/proxy/messages`, dialect: 'anthropic', proxied: true });
  });
  it('calls a local base URL directly', () => {
    expect(routeFor({ kind: 'openai', model: 'm', baseUrl: 'http://localhost:11434/v1/' }, ORIGIN)).toEqual({ url: 'http://localhost:11434/v1/chat/completions', dialect: 'openai', proxied: false });
    expect(routeFor({ kind: 'ollama', model: 'm' }, ORIGIN)?.proxied).toBe(false);
  });
  it('has no browser route for Gemini', () => expect(routeFor({ kind: 'gemini', model: 'm' }, ORIGIN)).toBeUndefined());
});

describe('buildRequest', () => {
  it('puts the key in the header each upstream expects, never in the body', () => {
    const o = buildRequest({ url: '', dialect: 'openai', proxied: true }, 'm', 'hi', 'sk-secret');
    expect(o.headers.authorization).toBe('Bearer sk-secret');
    const a = buildRequest({ url: '', dialect: 'anthropic', proxied: true }, 'm', 'hi', 'sk-secret');
    expect(a.headers['x-api-key']).toBe('sk-secret');
    expect(o.body + a.body).not.toContain('sk-secret');
  });
});

describe('SSE parsing', () => {
  it('splits complete events and keeps the rest', () => {
    expect(takeSseData('data: {"a":1}\n\ndata: [DONE]\n\ndata: {"b"')).toEqual({ data: ['{"a":1}', '[DONE]'], rest: 'data: {"b"' });
    expect(takeSseData('event: x\r\ndata: 1\r\n\r\n')).toEqual({ data: ['1'], rest: '' });
  });
  it('reads text deltas of both dialects', () => {
    expect(textOf('openai', { choices: [{ delta: { content: 'he' } }] })).toBe('he');
    expect(textOf('anthropic', { type: 'content_block_delta', delta: { type: 'text_delta', text: 'llo' } })).toBe('llo');
    expect(textOf('anthropic', { type: 'message_start' })).toBe('');
  });
  it('streams an answer split across chunks, and reports a refusal without the key', async () => {
    const chunks = ['data: {"choices":[{"delta":{"content":"he"}}]}\n', '\ndata: {"choices":[{"delta":{"content":"llo"}}]}\n\ndata: [DONE]\n\n'];
    const ok = (async () => new Response(new ReadableStream({ start(c) { for (const x of chunks) c.enqueue(new TextEncoder().encode(x)); c.close(); } }), { status: 200 })) as typeof fetch;
    let text = '';
    for await (const t of streamPrompt({ kind: 'openai', model: 'm' }, 'hi', 'sk-secret', { origin: ORIGIN, fetch: ok })) text += t;
    expect(text).toBe('hello');
    const refused = (async () => Response.json({ error: { message: 'bad key' } }, { status: 401 })) as typeof fetch;
    const err = await (async () => { for await (const _ of streamPrompt({ kind: 'openai', model: 'm' }, 'hi', 'sk-secret', { origin: ORIGIN, fetch: refused })) void _; })().catch((e: unknown) => e as Error);
    expect(err?.message).toBe('the provider answered 401: bad key');
    expect(err?.message).not.toContain('sk-secret');
  });
});
