/** The embeddings client against the fake provider in OpenAI's and Gemini's shapes, and answers of the wrong shape. */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fakeEmbedding, startFakeProvider, type FakeProvider } from '@tendril/crdt-schema/testkit';
import { createEmbedder, EMBED_BATCH } from './embeddings.ts';

const KEY = 'sk-embed-test-0123456789abcdef';
const near = (a: Float32Array, b: number[]): void => expect(Array.from(a).map((x, i) => Math.abs(x - b[i]!)).every((d) => d < 1e-6)).toBe(true);

describe('embeddings client', () => {
  let fake: FakeProvider;
  let odd: Server;
  let oddUrl = '';
  beforeAll(async () => {
    fake = await startFakeProvider({ apiKey: KEY });
    // Answers one vector whatever was asked.
    odd = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ data: [{ index: 0, embedding: [1, 2] }] }));
    });
    await new Promise<void>((r) => odd.listen(0, '127.0.0.1', r));
    oddUrl = `http://127.0.0.1:${(odd.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await fake.close();
    odd.close();
  });

  it('embeds in OpenAI\'s shape, in batches, in order', async () => {
    const e = createEmbedder({ kind: 'openai', id: 'fake', model: 'text-embedding-3-small', baseUrl: `${fake.url}/v1`, apiKey: KEY });
    expect(e.id).toBe('fake/text-embedding-3-small');
    const texts = Array.from({ length: EMBED_BATCH + 3 }, (_, i) => `text number ${i}`);
    const before = fake.requests.length;
    const got = await e.embed(texts);
    expect(got).toHaveLength(texts.length);
    got.forEach((v, i) => near(v, fakeEmbedding(texts[i]!)));
    expect(fake.requests.slice(before).map((r) => r.path)).toEqual(['/v1/embeddings', '/v1/embeddings']);
  });

  it('embeds in Gemini\'s batchEmbedContents shape', async () => {
    const e = createEmbedder({ kind: 'gemini', id: 'g', model: 'text-embedding-004', baseUrl: fake.url, apiKey: KEY });
    const [a, b] = await e.embed(['favourite colour', 'preferred hue']);
    near(a!, fakeEmbedding('favourite colour'));
    near(b!, fakeEmbedding('preferred hue'));
    expect(fake.requests.at(-1)!.path).toBe('/v1beta/models/text-embedding-004:batchEmbedContents');
  });

  it('refuses an answer with the wrong count, and never shows the key', async () => {
    const e = createEmbedder({ kind: 'openai', id: 'odd', model: 'm', baseUrl: oddUrl, apiKey: KEY });
    await expect(e.embed(['a', 'b'])).rejects.toThrow(/expected 2 embeddings, got 1/);
    const bad = createEmbedder({ kind: 'openai', id: 'fake', model: 'm', baseUrl: `${fake.url}/v1`, apiKey: 'sk-wrong-key-0123456789abcdef' });
    const err = await bad.embed(['a']).catch((x: unknown) => x as Error);
    expect(err).toBeInstanceOf(Error);
    expect(String((err as Error).message)).not.toContain('sk-wrong-key-0123456789abcdef');
  });
});
