/**
 * Chat works with nothing but the app: no worker process anywhere. The open
 * tab claims the turn (the workers' claim / lease / settle protocol) and
 * streams the reply from the fake provider, once called directly (a
 * loopback base URL that sends CORS headers) and through the relay's LLM
 * proxy (an OpenAI and a Gemini provider; the relay's proxy points at the
 * fake provider). A second device sees each reply stream in live.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeProvider, type FakeProvider } from '@tendril/crdt-schema/testkit';
import { createInvite, createWorkspace, goto, joinWith, newChat, openChat, openDevice, send, type Device } from './harness/app-driver.ts';
import { ensureAppBuilt } from './harness/build-app.ts';
import { launchChromium } from './harness/chromium.ts';
import { startRelay, type Relay } from './harness/relay.ts';
import { shoot } from './harness/screenshots.ts';

const KEY = 'sk-fake-page-runner';
const PIECES = Array.from({ length: 30 }, (_, i) => `word${i} `);
const FULL = PIECES.join('').trim();

describe('the open app answers chat turns itself', { timeout: 240_000 }, () => {
  let dir: string;
  let relay: Relay;
  let fake: FakeProvider;
  let browser: Browser;
  let a: Device;
  let b: Device;

  beforeAll(async () => {
    await ensureAppBuilt();
    dir = mkdtempSync(join(tmpdir(), 'tendril-e2e-runner-'));
    fake = await startFakeProvider({ apiKey: KEY, cors: true, fallback: { text: PIECES, chunkDelayMs: 60, usage: { inputTokens: 9, outputTokens: 30 } } });
    relay = await startRelay(join(dir, 'relay'), 0, { TENDRIL_PROXY_OPENAI_URL: `${fake.url}/v1`, TENDRIL_PROXY_GEMINI_URL: fake.url });
    browser = await launchChromium();
    a = await openDevice(await browser.newContext({ viewport: { width: 1280, height: 800 } }), relay.url, 'Laptop');
    b = await openDevice(await browser.newContext({ viewport: { width: 1280, height: 800 } }), relay.url, 'Phone');
    await createWorkspace(a, 'Solo');
    await joinWith(b, await createInvite(a), a);
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await fake?.close();
    await relay?.kill();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function addProvider(name: string, baseUrl: string | undefined, kind = 'openai'): Promise<void> {
    await goto(a, '#/settings');
    const form = a.page.getByRole('form', { name: 'Add a provider' });
    await form.getByLabel('Kind', { exact: true }).selectOption(kind);
    await form.getByLabel('Name').fill(name);
    if (baseUrl) await form.getByLabel('Base URL (optional)').fill(baseUrl);
    await form.getByLabel('API key', { exact: true }).fill(KEY);
    await form.getByRole('button', { name: 'Add provider' }).click();
    await a.page.getByTestId('providers').locator('strong').getByText(name, { exact: true }).waitFor();
  }

  /** Runs "Test provider" on device A and returns the path it reports. */
  async function testProvider(name: string): Promise<string | null> {
    await goto(a, '#/settings');
    await a.page.getByRole('button', { name: `Test provider ${name}` }).click();
    await a.page.getByTestId('provider-test-reply').filter({ hasText: 'word29' }).waitFor();
    return a.page.getByTestId('provider-test-path').getAttribute('data-via');
  }

  const reply = (page: Page, text: string) => page.getByTestId('message').filter({ hasText: text }).first();

  /** Sends `prompt` from device A and checks that the reply streams on A (answered there) and on B. */
  async function askAndWatch(title: string, prompt: string): Promise<void> {
    const chatId = await newChat(a, title);
    await openChat(b, chatId);
    await send(a, prompt);
    // Mid-stream on both devices: the first words are there before the last one arrived.
    const onA = reply(a.page, 'word0');
    await onA.waitFor();
    await onA.getByTestId('answering-here').waitFor();
    const onB = reply(b.page, 'word0');
    await onB.waitFor();
    expect((await onB.textContent()) ?? '').not.toContain('word29');
    expect(await onB.getByTestId('answering-here').count()).toBe(0);
    await shoot(a.page, `page-runner-${title.toLowerCase().replace(/\W+/g, '-')}`);
    for (const page of [a.page, b.page]) await reply(page, 'word29').waitFor();
    await onA.getByTestId('answering-here').waitFor({ state: 'detached' });
    expect(((await reply(b.page, 'word29').textContent()) ?? '').replace(/\s+/g, ' ')).toContain(FULL);
    expect(fake.requests.filter((r) => JSON.stringify(r.body).includes(prompt))).toHaveLength(1);
  }

  it('calls a CORS-enabled loopback provider directly from the tab', async () => {
    await addProvider('local', `${fake.url}/v1`);
    expect(await testProvider('local')).toBe('direct');
    expect(await a.page.getByTestId('provider-test-path').textContent()).toContain(`directly from this tab to ${fake.url}`);
    await askAndWatch('Direct', 'Count for me, directly');
    const req = fake.requests.find((r) => JSON.stringify(r.body).includes('Count for me, directly'))!;
    // Sent by the page itself: the browser names the page's origin.
    expect(req.headers.origin).toBe(relay.url);
    // "Test provider" took the same path: its request came from the page too.
    expect(fake.requests.filter((r) => JSON.stringify(r.body).includes('Reply with one short sentence.')).every((r) => r.headers.origin === relay.url)).toBe(true);
    expect(req.headers.authorization).toBe(`Bearer ${KEY}`);
  });

  it('calls OpenAI through the relay proxy', async () => {
    await goto(a, '#/settings');
    await a.page.getByTestId('providers').locator('li').filter({ hasText: 'local' }).getByRole('button', { name: 'Disable' }).click();
    await addProvider('openai', undefined);
    expect(await testProvider('openai')).toBe('proxy');
    await askAndWatch('Proxied', 'Count for me, via the relay');
    const req = fake.requests.find((r) => JSON.stringify(r.body).includes('Count for me, via the relay'))!;
    // Forwarded by the relay's proxy: no page origin reaches the provider.
    expect(req.headers.origin).toBeUndefined();
    expect(req.headers.authorization).toBe(`Bearer ${KEY}`);
  });

  it('calls Gemini through the relay proxy', async () => {
    await goto(a, '#/settings');
    await a.page.getByTestId('providers').locator('li').filter({ hasText: 'openai' }).getByRole('button', { name: 'Disable' }).click();
    await addProvider('google', undefined, 'gemini');
    expect(await testProvider('google')).toBe('proxy');
    await askAndWatch('Gemini', 'Count for me, via Gemini');
    const req = fake.requests.find((r) => JSON.stringify(r.body).includes('Count for me, via Gemini'))!;
    expect([req.dialect, req.path, req.query]).toEqual(['gemini', '/v1beta/models/gemini-2.5-flash:streamGenerateContent', { alt: 'sse' }]);
    expect(req.headers.origin).toBeUndefined();
    expect(req.headers['x-goog-api-key']).toBe(KEY);
  });

  it('says when only a worker can reach a provider, and ends a turn with the reason and a Retry button', async () => {
    await goto(a, '#/settings');
    await a.page.getByTestId('providers').locator('li').filter({ hasText: 'google' }).getByRole('button', { name: 'Disable' }).click();
    // A Gemini at another base URL: the page may not call it, and the proxy forwards to its own upstream only.
    await addProvider('elsewhere', 'https://gemini.corp.example', 'gemini');
    await a.page.getByRole('button', { name: 'Test provider elsewhere' }).click();
    await a.page.getByTestId('provider-test-error').filter({ hasText: 'TENDRIL_RELAY_CONNECT_SRC' }).waitFor();
    expect(await a.page.getByTestId('provider-test-path').getAttribute('data-via')).toBe('worker');
    const before = fake.requests.length;
    await newChat(a, 'Unreachable');
    await send(a, 'Anyone there?');
    const failed = a.page.locator('[data-testid=message][data-role=assistant]').filter({ has: a.page.getByTestId('reply-error').filter({ hasText: 'cannot call the gemini provider at https://gemini.corp.example' }) });
    await failed.waitFor();
    expect(await failed.getByTestId('reply-error').textContent()).toContain('tendril worker');
    await failed.getByRole('button', { name: 'Retry' }).waitFor();
    expect(fake.requests.length).toBe(before);
  });
});
