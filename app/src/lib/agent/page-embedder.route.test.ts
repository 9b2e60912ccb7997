/** Which way a tab reaches the embedding model: the relay's proxy for the public OpenAI and Gemini APIs, directly where allowed, never Anthropic. */
import * as Y from 'yjs';
import { describe, expect, it } from 'vitest';
import { parseProviderId, settingsDoc } from '@tendril/crdt-schema/schema';
import { connectPolicy } from './connect-policy.ts';
import { pageEmbedder } from './page-embedder.ts';

const ORIGIN = 'https://relay.example.org';
const policy = connectPolicy("connect-src 'self' http://127.0.0.1:*", ORIGIN);

function settingsWith(kind: 'openai' | 'anthropic' | 'ollama' | 'gemini', baseUrl?: string) {
  const s = settingsDoc(new Y.Doc());
  const id = parseProviderId('p');
  s.upsertProvider({ id, kind, ...(baseUrl ? { baseUrl } : {}), models: ['embed-1'] });
  if (kind !== 'ollama') s.setApiKey(id, 'sk-test-key');
  s.setEmbeddingModel({ provider: id, model: 'embed-1' });
  return s;
}

describe('page embedder', () => {
  it('calls the public OpenAI API through the relay proxy with the signed fetch', async () => {
    const calls: string[] = [];
    const proxyFetch = (async (url: string | URL | Request) => {
      calls.push(String(url));
      return new Response(JSON.stringify({ data: [{ index: 0, embedding: [0.5, 0.5] }] }), { headers: { 'content-type': 'application/json' } });
    }) as typeof fetch;
    const e = pageEmbedder(settingsWith('openai'), policy, ORIGIN, proxyFetch)!;
    expect(Array.from((await e.embed(['x']))[0]!)).toEqual([0.5, 0.5]);
    expect(calls).toEqual([`${ORIGIN}/v1/proxy/embeddings`]);
  });

  it('goes to Gemini through the proxy, to a local server directly, and has no Anthropic embeddings', () => {
    expect(pageEmbedder(settingsWith('gemini'), policy, ORIGIN)?.id).toBe('p/embed-1');
    expect(pageEmbedder(settingsWith('ollama'), policy, ORIGIN)?.id).toBe('p/embed-1');
    expect(pageEmbedder(settingsWith('anthropic'), policy, ORIGIN)).toBeUndefined();
    expect(pageEmbedder(settingsWith('openai', 'https://llm.blocked.example/v1'), policy, ORIGIN)).toBeUndefined();
  });
});
