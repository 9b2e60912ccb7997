/** The fake provider lists models and answers embeddings in each provider's shape, behind the same key check as chat. */
import { afterEach, describe, expect, it } from 'vitest';
import { EMBEDDING_DIMENSIONS, fakeEmbedding } from './catalog.ts';

const cosine = (a: number[], b: number[]): number => a.reduce((s, x, i) => s + x * b[i]!, 0);
import { postJson } from './frames.ts';
import { startFakeProvider, type FakeProvider } from './server.ts';

let fake: FakeProvider | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

const get = async (url: string, headers: Record<string, string>) => {
  const res = await fetch(url, { headers });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
};

describe('fake provider: model lists', () => {
  it('lists models as OpenAI, Anthropic (by its version header) and Gemini do', async () => {
    fake = await startFakeProvider({ apiKey: 'k', catalog: { openai: ['gpt-a', 'gpt-b'] } });
    expect(await get(`${fake.url}/v1/models`, { authorization: 'Bearer k' })).toEqual({
      status: 200,
      body: { object: 'list', data: [{ id: 'gpt-a', object: 'model', created: 1_700_000_000, owned_by: 'fake' }, { id: 'gpt-b', object: 'model', created: 1_700_000_000, owned_by: 'fake' }] },
    });
    const anthropic = await get(`${fake.url}/v1/models`, { 'x-api-key': 'k', 'anthropic-version': '2023-06-01' });
    expect(anthropic.body).toMatchObject({ data: [{ type: 'model', id: 'claude-sonnet-4-20250514' }, { type: 'model', id: 'claude-3-5-haiku-20241022' }], has_more: false });
    const gemini = await get(`${fake.url}/v1beta/models`, { 'x-goog-api-key': 'k' });
    expect((gemini.body.models as { name: string; supportedGenerationMethods: string[] }[]).map((m) => [m.name, m.supportedGenerationMethods[0]])).toEqual([
      ['models/gemini-2.5-flash', 'generateContent'], ['models/gemini-2.5-pro', 'generateContent'], ['models/text-embedding-004', 'embedContent'],
    ]);
    expect(fake.requests.map((r) => [r.path, r.dialect])).toEqual([['/v1/models', 'openai'], ['/v1/models', 'anthropic'], ['/v1beta/models', 'gemini']]);
  });

  it('refuses a list without the right key', async () => {
    fake = await startFakeProvider({ apiKey: 'k' });
    expect((await get(`${fake.url}/v1/models`, { authorization: 'Bearer wrong' })).status).toBe(401);
    expect((await get(`${fake.url}/v1beta/models`, {})).status).toBe(403);
  });
});

describe('fake provider: embeddings', () => {
  it('answers OpenAI embeddings with one vector per input and prompt-token usage', async () => {
    fake = await startFakeProvider();
    const res = await postJson(`${fake.url}/v1/embeddings`, { model: 'text-embedding-3-small', input: ['one', 'two words'] }, { authorization: 'Bearer k' });
    const body = JSON.parse(res.text) as { data: { index: number; embedding: number[] }[]; usage: { prompt_tokens: number } };
    expect(body.data.map((d) => d.index)).toEqual([0, 1]);
    expect(body.data[0]!.embedding).toEqual(fakeEmbedding('one'));
    expect(body.data[1]!.embedding).toHaveLength(EMBEDDING_DIMENSIONS);
    expect(body.data[0]!.embedding).not.toEqual(body.data[1]!.embedding);
    expect(body.usage.prompt_tokens).toBe(1 + 3);
    expect((await postJson(`${fake.url}/v1/embeddings`, { input: 'x' }, { authorization: 'Bearer k' })).status).toBe(400);
  });

  it('answers Gemini embedContent and batchEmbedContents', async () => {
    fake = await startFakeProvider();
    const one = await postJson(`${fake.url}/v1beta/models/text-embedding-004:embedContent`, { content: { parts: [{ text: 'hello' }] } }, { 'x-goog-api-key': 'k' });
    expect(JSON.parse(one.text)).toEqual({ embedding: { values: fakeEmbedding('hello') } });
    const batch = await postJson(`${fake.url}/v1beta/models/text-embedding-004:batchEmbedContents`, { requests: [{ content: { parts: [{ text: 'a' }] } }, { content: { parts: [{ text: 'b' }] } }] }, { 'x-goog-api-key': 'k' });
    expect(JSON.parse(batch.text)).toEqual({ embeddings: [{ values: fakeEmbedding('a') }, { values: fakeEmbedding('b') }] });
    expect(Math.hypot(...fakeEmbedding('hello'))).toBeCloseTo(1, 10);
    const bad = await postJson(`${fake.url}/v1beta/models/text-embedding-004:embedContent`, {}, { 'x-goog-api-key': 'k' });
    expect([bad.status, (JSON.parse(bad.text) as { error: { status: string } }).error.status]).toEqual([400, 'INVALID_ARGUMENT']);
  });

  it('puts texts that share words or synonyms near and unrelated texts far', () => {
    const stored = fakeEmbedding('favourite colour: teal');
    expect(cosine(stored, fakeEmbedding('my preferred hue'))).toBeGreaterThan(0.5);
    expect(cosine(stored, fakeEmbedding('teal'))).toBeGreaterThan(0.5);
    expect(Math.abs(cosine(stored, fakeEmbedding('deploy the server tonight')))).toBeLessThan(0.3);
  });
});
