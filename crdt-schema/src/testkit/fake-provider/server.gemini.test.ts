/** The fake provider speaks Gemini's streamGenerateContent?alt=sse and generateContent. */
import { afterEach, describe, expect, it } from 'vitest';
import { postJson } from './frames.ts';
import { startFakeProvider, type FakeProvider } from './server.ts';

let fake: FakeProvider | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

const body = { contents: [{ role: 'user', parts: [{ text: 'hi' }] }] };
interface Chunk {
  candidates: { content: { parts: { text?: string; functionCall?: { name: string; args: unknown } }[] }; finishReason?: string }[];
  usageMetadata?: { promptTokenCount: number; candidatesTokenCount: number; totalTokenCount: number };
}

describe('fake provider: Gemini', () => {
  it('streams GenerateContentResponse chunks with text, a functionCall, finishReason and usageMetadata last', async () => {
    fake = await startFakeProvider({ queue: [{ text: ['One', ' two'], toolCalls: [{ name: 'look', arguments: '{"q":1}' }], usage: { inputTokens: 4, outputTokens: 3 } }] });
    const res = await postJson(`${fake.url}/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse`, body, { 'x-goog-api-key': 'g-key' });
    expect(res.status).toBe(200);
    const chunks = res.frames.map((f) => f.json as Chunk);
    const parts = chunks.flatMap((c) => c.candidates[0]!.content.parts);
    expect(parts.map((p) => p.text ?? '').join('')).toBe('One two');
    expect(parts.find((p) => p.functionCall)!.functionCall).toEqual({ name: 'look', args: { q: 1 } });
    expect(chunks.at(-1)!.candidates[0]!.finishReason).toBe('STOP');
    expect(chunks.at(-1)!.usageMetadata).toEqual({ promptTokenCount: 4, candidatesTokenCount: 3, totalTokenCount: 7 });
    expect(chunks.slice(0, -1).every((c) => c.usageMetadata === undefined)).toBe(true);
  });

  it('accepts the key as ?key= and refuses a request without one', async () => {
    fake = await startFakeProvider();
    expect((await postJson(`${fake.url}/v1beta/models/m:generateContent?key=abc`, body)).status).toBe(200);
    const denied = await postJson(`${fake.url}/v1beta/models/m:generateContent`, body);
    expect(denied.status).toBe(403);
    expect(JSON.parse(denied.text)).toMatchObject({ error: { code: 403, status: 'PERMISSION_DENIED' } });
  });
});
