/** Scenario selection and faults: header, marker and queue; HTTP failures; mid-stream errors; stalls and endless streams that end when the client aborts. */
import { afterEach, describe, expect, it } from 'vitest';
import { postJson, readUntil } from './frames.ts';
import { startFakeProvider, type FakeProvider } from './server.ts';
import { SCENARIO_HEADER, scenarioMarker } from './scenario.ts';

let fake: FakeProvider | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

const auth = { authorization: 'Bearer k' };
const ask = (text: string) => ({ model: 'm', stream: true, messages: [{ role: 'user', content: text }] });
const contentOf = (text: string): string =>
  text.split('\n\n').filter((l) => l.startsWith('data: {')).map((l) => (JSON.parse(l.slice(6)) as { choices?: { delta?: { content?: string } }[] }).choices?.[0]?.delta?.content ?? '').join('');

describe('fake provider: scenarios and faults', () => {
  it('picks by header, then by marker in the last user message, then the queue, then the default', async () => {
    fake = await startFakeProvider({ scenarios: { a: { text: ['A'] }, b: { text: ['B'] } }, queue: [{ text: ['Q'] }], fallback: { text: ['D'] } });
    const url = `${fake.url}/v1/chat/completions`;
    expect(contentOf((await postJson(url, ask(scenarioMarker('b')), { ...auth, [SCENARIO_HEADER]: 'a' })).text)).toBe('A');
    expect(contentOf((await postJson(url, ask(`x ${scenarioMarker('b')}`), auth)).text)).toBe('B');
    expect(contentOf((await postJson(url, ask('x'), auth)).text)).toBe('Q');
    expect(contentOf((await postJson(url, ask('x'), auth)).text)).toBe('D');
    expect(fake.requests.map((r) => r.scenario)).toEqual(['a', 'b', 'queued', 'default']);
  });

  it('picks by the request\'s model before markers (a router model\'s scripted answer), in order for a sequence', async () => {
    fake = await startFakeProvider({ scenarios: { b: { text: ['B'] } }, models: { router: [{ text: ['R1'] }, { text: ['R2'] }] }, fallback: { text: ['D'] } });
    const url = `${fake.url}/v1/chat/completions`;
    const asRouter = (text: string) => ({ ...ask(text), model: 'router' });
    expect(contentOf((await postJson(url, asRouter(scenarioMarker('b')), auth)).text)).toBe('R1');
    expect(contentOf((await postJson(url, asRouter('x'), auth)).text)).toBe('R2');
    expect(contentOf((await postJson(url, asRouter('x'), auth)).text)).toBe('R2');
    expect(contentOf((await postJson(url, ask(scenarioMarker('b')), auth)).text)).toBe('B');
    expect(contentOf((await postJson(url, asRouter('x'), { ...auth, [SCENARIO_HEADER]: 'b' })).text)).toBe('B');
    expect(fake.requests.map((r) => r.scenario)).toEqual(['model:router', 'model:router', 'model:router', 'b', 'b']);
  });

  it('plays a named sequence in order, then repeats its last entry', async () => {
    fake = await startFakeProvider({ scenarios: { flaky: [{ failWith: { status: 503 } }, { text: ['ok'] }] } });
    const url = `${fake.url}/v1/chat/completions`;
    const statuses: number[] = [];
    const texts: string[] = [];
    for (let i = 0; i < 3; i++) {
      const r = await postJson(url, ask(scenarioMarker('flaky')), auth);
      statuses.push(r.status);
      texts.push(r.status === 200 ? contentOf(r.text) : '');
    }
    expect(statuses).toEqual([503, 200, 200]);
    expect(texts).toEqual(['', 'ok', 'ok']);
  });

  it('fails with the scripted status and Retry-After', async () => {
    fake = await startFakeProvider({ queue: [{ failWith: { status: 429, retryAfter: 1 } }, { failWith: { status: 503 } }] });
    const limited = await postJson(`${fake.url}/v1/chat/completions`, ask('x'), auth);
    expect([limited.status, limited.headers.get('retry-after')]).toEqual([429, '1']);
    expect(JSON.parse(limited.text)).toMatchObject({ error: { code: 'rate_limit_exceeded' } });
    expect((await postJson(`${fake.url}/v1/chat/completions`, ask('x'), auth)).status).toBe(503);
  });

  it('sends an OpenAI error event mid-stream and ends without [DONE]', async () => {
    fake = await startFakeProvider({ queue: [{ text: ['a', 'b', 'c'], errorAfterChunks: 2 }] });
    const res = await postJson(`${fake.url}/v1/chat/completions`, ask('x'), auth);
    expect(contentOf(res.text)).toBe('ab');
    expect(res.frames.at(-1)!.json).toMatchObject({ error: { type: 'server_error' } });
    expect(res.text).not.toContain('[DONE]');
  });

  it('holds a stalled stream open until the client aborts, and records the abort', async () => {
    fake = await startFakeProvider({ queue: [{ text: ['a', 'b'], stallAfterChunks: 1 }] });
    const controller = new AbortController();
    const res = await fetch(`${fake.url}/v1/chat/completions`, { method: 'POST', headers: auth, body: JSON.stringify(ask('x')), signal: controller.signal });
    await readUntil(res.body!, '"a"');
    expect(fake.requests[0]!.outcome).toBe('pending');
    controller.abort();
    expect(await fake.requests[0]!.settled).toBe('aborted');
  });

  it('keeps an endless stream going until the client aborts', async () => {
    fake = await startFakeProvider({ queue: [{ text: ['go'], endless: true }] });
    const controller = new AbortController();
    const res = await fetch(`${fake.url}/v1/messages`, {
      method: 'POST', headers: { 'x-api-key': 'k', 'anthropic-version': '2023-06-01' }, body: JSON.stringify({ ...ask('x'), max_tokens: 5 }), signal: controller.signal,
    });
    const seen = await readUntil(res.body!, 'more3');
    controller.abort();
    expect(await fake.requests[0]!.settled).toBe('aborted');
    expect(seen).not.toContain('message_stop');
  });

  it('notices a client that leaves during a header delay', async () => {
    fake = await startFakeProvider({ queue: [{ headerDelayMs: 60_000 }] });
    const controller = new AbortController();
    const pending = fetch(`${fake.url}/v1/chat/completions`, { method: 'POST', headers: auth, body: JSON.stringify(ask('x')), signal: controller.signal });
    const [req] = await fake.waitForRequests(1);
    controller.abort();
    await expect(pending).rejects.toThrow();
    expect(await req!.settled).toBe('aborted');
  });
});
