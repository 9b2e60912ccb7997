/** The fake provider records the images a request carried, in each provider's own format only. */
import { afterEach, describe, expect, it } from 'vitest';
import { postJson } from './frames.ts';
import { startFakeProvider, type FakeProvider } from './server.ts';

let fake: FakeProvider | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

const bytes = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 1, 2, 3]);
const b64 = Buffer.from(bytes).toString('base64');

describe('fake provider: recorded images', () => {
  it('reads OpenAI image_url data URLs, Anthropic base64 image blocks and Gemini inlineData', async () => {
    fake = await startFakeProvider();
    await postJson(`${fake.url}/v1/chat/completions`, {
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: [{ type: 'text', text: 'see' }, { type: 'image_url', image_url: { url: `data:image/png;base64,${b64}` } }] }],
    }, { authorization: 'Bearer sk-test' });
    await postJson(`${fake.url}/v1/messages`, {
      model: 'claude', max_tokens: 10,
      messages: [{ role: 'user', content: [{ type: 'image', source: { type: 'base64', media_type: 'image/png', data: b64 } }, { type: 'text', text: 'see' }] }],
    }, { 'x-api-key': 'sk-ant-test', 'anthropic-version': '2023-06-01' });
    await postJson(`${fake.url}/v1beta/models/gemini-2.0-flash:generateContent`, {
      contents: [{ role: 'user', parts: [{ text: 'see' }, { inlineData: { mimeType: 'image/png', data: b64 } }] }],
    }, { 'x-goog-api-key': 'g-test' });
    expect(fake.requests.map((r) => r.images)).toEqual([
      [{ format: 'openai-image-url', mime: 'image/png', bytes }],
      [{ format: 'anthropic-image', mime: 'image/png', bytes }],
      [{ format: 'gemini-inline-data', mime: 'image/png', bytes }],
    ]);
  });

  it('records no image sent in another provider’s format, nor text-only requests', async () => {
    fake = await startFakeProvider();
    await postJson(`${fake.url}/v1/chat/completions`, {
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: [{ type: 'image', source: { type: 'base64', media_type: 'image/png', data: b64 } }] }, { role: 'user', content: 'plain' }],
    }, { authorization: 'Bearer sk-test' });
    expect(fake.requests[0]!.images).toEqual([]);
  });
});
