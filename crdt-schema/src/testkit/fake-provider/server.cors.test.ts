/** The fake provider can stand in for a provider that web pages may call (CORS), or for one that refuses them. */
import { afterEach, describe, expect, it } from 'vitest';
import { startFakeProvider, type FakeProvider } from './server.ts';

let fake: FakeProvider | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

const preflight = (url: string): Promise<Response> =>
  fetch(`${url}/v1/chat/completions`, { method: 'OPTIONS', headers: { origin: 'http://127.0.0.1:9', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization, content-type' } });
const ask = (url: string): Promise<Response> =>
  fetch(`${url}/v1/chat/completions`, { method: 'POST', headers: { origin: 'http://127.0.0.1:9', authorization: 'Bearer sk-x', 'content-type': 'application/json' }, body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'hi' }] }) });

describe('fake provider: cross-origin calls', () => {
  it('with cors, accepts the preflight and lets the page read every answer', async () => {
    fake = await startFakeProvider({ cors: true, fallback: { text: ['ok'] } });
    const pre = await preflight(fake.url);
    expect(pre.status).toBe(204);
    expect(pre.headers.get('access-control-allow-origin')).toBe('http://127.0.0.1:9');
    expect(pre.headers.get('access-control-allow-headers')).toBe('authorization, content-type');
    const res = await ask(fake.url);
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBe('http://127.0.0.1:9');
    expect(fake.requests).toHaveLength(1);
  });

  it('without it, sends no CORS header (a page cannot read the answer)', async () => {
    fake = await startFakeProvider({ fallback: { text: ['ok'] } });
    expect((await preflight(fake.url)).headers.get('access-control-allow-origin')).toBeNull();
    expect((await ask(fake.url)).headers.get('access-control-allow-origin')).toBeNull();
  });
});
