/**
 * Chat comfort in the app, answered by the open tab through the fake
 * provider: one chat with its own model, system prompt and temperature while
 * another keeps the workspace defaults (the recorded requests show both);
 * the first reply titles a chat made without a name; the sidebar search
 * finds a word that is only inside a message of another chat and opens that
 * chat at the message; the theme chosen on one device leaves the other as it
 * is; a device that loses its network says so in the status bar and the banner alike.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeProvider, type FakeProvider } from '@tendril/crdt-schema/testkit';
import { addProvider, createInvite, createWorkspace, goto, joinWith, newChat, openChat, openDevice, send, type Device, waitConnected } from './harness/app-driver.ts';
import { ensureAppBuilt } from './harness/build-app.ts';
import { deviceSources, printOnFailure } from './harness/on-failure.ts';
import { launchChromium } from './harness/chromium.ts';
import { startRelay, type Relay } from './harness/relay.ts';
import { shoot } from './harness/screenshots.ts';

const KEY = 'sk-fake-comfort';
const ANSWER = 'Hyperion is the tallest known tree.';

interface ChatBody {
  model: string;
  temperature?: number;
  messages: { role: string; content: string }[];
}

describe('chat comfort', { timeout: 240_000 }, () => {
  let dir: string;
  let relay: Relay;
  let fake: FakeProvider;
  let browser: Browser;
  let a: Device;
  let b: Device;
  let own = '';
  let other = '';
  printOnFailure(() => [...deviceSources(a), ...deviceSources(b)], 3000);

  beforeAll(async () => {
    await ensureAppBuilt();
    dir = mkdtempSync(join(tmpdir(), 'tendril-e2e-comfort-'));
    fake = await startFakeProvider({ apiKey: KEY, cors: true, fallback: { text: [ANSWER], usage: { inputTokens: 11, outputTokens: 7 } } });
    relay = await startRelay(join(dir, 'relay'));
    browser = await launchChromium();
    a = await openDevice(await browser.newContext({ viewport: { width: 1280, height: 800 }, colorScheme: 'light' }), relay.url, 'Laptop');
    b = await openDevice(await browser.newContext({ viewport: { width: 1280, height: 800 }, colorScheme: 'light' }), relay.url, 'Phone');
    await createWorkspace(a, 'Comfort');
    await joinWith(b, await createInvite(a), a);

    await addProvider(a, { name: 'local', models: 'gpt-4o-mini, gpt-4o', baseUrl: `${fake.url}/v1`, apiKey: KEY });
    await a.page.locator('#default-model').selectOption('local/gpt-4o-mini');
    await a.page.locator('#system-prompt').fill('Workspace default prompt.');
    await a.page.getByRole('button', { name: 'Save system prompt' }).click();
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await fake?.close();
    await relay?.kill();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const asked = (text: string): ChatBody | undefined => fake.requests.map((r) => r.body as ChatBody).find((q) => q.messages?.at(-1)?.content === text);
  const answered = (d: Device) => d.page.locator('[data-testid=message][data-role=assistant]').filter({ hasText: ANSWER });

  it('answers one chat with its own model, prompt and temperature while another keeps the defaults, and titles the unnamed one', async () => {
    const before = a.page.url();
    await a.page.getByTestId('new-chat').click();
    await a.page.waitForURL((u) => u.hash.startsWith('#/chats/') && u.href !== before);
    own = new URL(a.page.url()).hash.replace('#/chats/', '');
    await a.page.getByTestId('chat-options-toggle').click();
    await a.page.getByTestId('chat-model-select').selectOption('local/gpt-4o');
    await a.page.getByTestId('chat-prompt').fill('Speak like a pirate.');
    await a.page.getByTestId('chat-temperature').fill('0.4');
    await a.page.getByTestId('chat-options-save').click();
    await a.page.getByTestId('chat-options-toggle').filter({ hasText: 'gpt-4o' }).waitFor();
    await a.page.getByTestId('chat-options-toggle').click();
    await send(a, 'Where is the treasure?');
    await answered(a).first().waitFor();
    await expect.poll(() => asked('Where is the treasure?') !== undefined).toBe(true);
    const mine = asked('Where is the treasure?')!;
    expect([mine.model, mine.temperature, mine.messages[0]]).toEqual(['gpt-4o', 0.4, { role: 'system', content: 'Speak like a pirate.' }]);
    // The first reply gives the unnamed chat a title, shown in the list and the header.
    await a.page.getByRole('heading', { name: 'Hyperion is the tallest known tree' }).waitFor();
    await a.page.locator(`a[href="#/chats/${own}"]`).filter({ hasText: 'Hyperion is the tallest known tree' }).waitFor();
    await shoot(a.page, 'chat-own-options');

    other = await newChat(a, 'Defaults');
    await send(a, 'Tell me about the zeppelin hangar');
    await answered(a).first().waitFor();
    await expect.poll(() => asked('Tell me about the zeppelin hangar') !== undefined).toBe(true);
    const theirs = asked('Tell me about the zeppelin hangar')!;
    expect(theirs.model).toBe('gpt-4o-mini');
    expect(theirs.temperature).toBeUndefined();
    expect(theirs.messages[0]).toEqual({ role: 'system', content: 'Workspace default prompt.' });
    // A chat the user named keeps its name after the first reply.
    await a.page.getByRole('heading', { name: 'Defaults' }).waitFor();
  });

  it('finds a word that is only inside a message of another chat and opens that chat at the message', async () => {
    await openChat(a, own);
    await a.page.locator('#chat-search').fill('zeppelin');
    const result = a.page.getByTestId('message-result').filter({ hasText: 'zeppelin' });
    await result.waitFor();
    expect(await result.getAttribute('data-chat')).toBe(other);
    await shoot(a.page, 'search-in-messages');
    await result.click();
    await a.page.waitForURL((u) => u.hash === `#/chats/${other}`);
    await a.page.locator(`[data-chat="${other}"] [data-focused]`).filter({ hasText: 'zeppelin hangar' }).waitFor();
  });

  it('changes the theme on one device only', async () => {
    await a.page.locator('#chat-search').fill('');
    await goto(a, '#/settings');
    await a.page.getByTestId('theme-dark').check();
    await expect.poll(() => a.page.evaluate(() => document.documentElement.dataset.theme)).toBe('dark');
    // Something synced after the change reaches the other device, and its theme did not follow.
    await goto(a, `#/chats/${other}`);
    await send(a, 'after the theme change');
    await openChat(b, other);
    await b.page.getByTestId('message').filter({ hasText: 'after the theme change' }).waitFor();
    expect(await b.page.evaluate(() => document.documentElement.dataset.theme)).toBe('light');
    await goto(b, '#/settings');
    expect(await b.page.getByTestId('theme-system').isChecked()).toBe(true);
    // And after a reload the first device keeps its own choice (sealed on the device).
    await a.page.reload();
    await expect.poll(() => a.page.evaluate(() => document.documentElement.dataset.theme), { timeout: 20_000 }).toBe('dark');
  });

  it('shows the same state in the status bar and the banner when the device loses its network', async () => {
    await waitConnected(b);
    await b.context.setOffline(true);
    // The browser knows at once; the relay socket may not have noticed yet, and the status must not say Connected.
    await b.page.locator('[data-testid=offline-banner][data-kind=device-offline]').waitFor();
    expect(await b.page.getByTestId('status').getAttribute('data-kind')).toBe('device-offline');
    expect(await b.page.getByTestId('connection').textContent()).toBe('This device is offline');
    await b.context.setOffline(false);
    await waitConnected(b);
    expect(await b.page.getByTestId('offline-banner').count()).toBe(0);
  });
});
