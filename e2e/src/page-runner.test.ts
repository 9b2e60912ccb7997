/**
 * Chat works with nothing but the app: no worker process anywhere. The open
 * tab claims the turn (the workers' claim / lease / settle protocol) and
 * streams the reply from the fake provider, once called directly (a
 * loopback base URL that sends CORS headers) and once through the relay's
 * LLM proxy (an OpenAI provider; the relay's proxy points at the fake
 * provider). A second device sees each reply stream in live.
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
    relay = await startRelay(join(dir, 'relay'), 0, { TENDRIL_PROXY_OPENAI_URL: `${fake.url}/v1` });
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

  async function addProvider(name: string, baseUrl: string | undefined): Promise<void> {
    await goto(a, '#/settings');
    const form = a.page.getByRole('form', { name: 'Add a provider' });
    await form.getByLabel('Name').fill(name);
    if (baseUrl) await form.getByLabel('Base URL (optional)').fill(baseUrl);
    await form.getByLabel('API key', { exact: true }).fill(KEY);
    await form.getByRole('button', { name: 'Add provider' }).click();
    await a.page.getByTestId('providers').locator('strong').getByText(name, { exact: true }).waitFor();
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
    await askAndWatch('Direct', 'Count for me, directly');
    const req = fake.requests.find((r) => JSON.stringify(r.body).includes('Count for me, directly'))!;
    // Sent by the page itself: the browser names the page's origin.
    expect(req.headers.origin).toBe(relay.url);
    expect(req.headers.authorization).toBe(`Bearer ${KEY}`);
  });

  it('calls OpenAI through the relay proxy', async () => {
    await goto(a, '#/settings');
    await a.page.getByTestId('providers').locator('li').filter({ hasText: 'local' }).getByRole('button', { name: 'Disable' }).click();
    await addProvider('openai', undefined);
    await askAndWatch('Proxied', 'Count for me, via the relay');
    const req = fake.requests.find((r) => JSON.stringify(r.body).includes('Count for me, via the relay'))!;
    // Forwarded by the relay's proxy: no page origin reaches the provider.
    expect(req.headers.origin).toBeUndefined();
    expect(req.headers.authorization).toBe(`Bearer ${KEY}`);
  });
});
