/**
 * Chat housekeeping in the app: export a chat as Markdown and JSON (a
 * download), delete one message, delete a chat and take it back with Undo or
 * from the Trash, keyboard shortcuts (listed under ?), "Jump to latest" while
 * scrolled up, and a composer that grows with its text.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeProvider, type FakeProvider } from '@tendril/crdt-schema/testkit';
import { createWorkspace, goto, newChat, openDevice, send, waitForCount, type Device } from './harness/app-driver.ts';
import { ensureAppBuilt } from './harness/build-app.ts';
import { launchChromium } from './harness/chromium.ts';
import { startRelay, type Relay } from './harness/relay.ts';

const KEY = 'sk-fake-housekeeping';
const LONG_ANSWER = Array.from({ length: 40 }, (_, i) => `Line ${i} of a long answer.\n\n`);

describe('chat housekeeping in the app', { timeout: 240_000 }, () => {
  let dir: string;
  let relay: Relay;
  let fake: FakeProvider;
  let browser: Browser;
  let a: Device;
  let chat: string;

  beforeAll(async () => {
    await ensureAppBuilt();
    dir = mkdtempSync(join(tmpdir(), 'tendril-e2e-housekeeping-'));
    fake = await startFakeProvider({ apiKey: KEY, cors: true, fallback: { text: LONG_ANSWER, usage: { inputTokens: 5, outputTokens: 50 } } });
    relay = await startRelay(join(dir, 'relay'), 0);
    browser = await launchChromium();
    a = await openDevice(await browser.newContext({ viewport: { width: 1280, height: 800 }, acceptDownloads: true }), relay.url, 'Laptop');
    await createWorkspace(a, 'Tidy');
    await goto(a, '#/settings');
    const form = a.page.getByRole('form', { name: 'Add a provider' });
    await form.getByLabel('Kind', { exact: true }).selectOption('openai');
    await form.getByLabel('Name').fill('local');
    await form.getByLabel('Base URL (optional)').fill(`${fake.url}/v1`);
    await form.getByLabel('API key', { exact: true }).fill(KEY);
    await form.getByRole('button', { name: 'Add provider' }).click();
    await a.page.getByTestId('providers').locator('strong').getByText('local', { exact: true }).waitFor();
    chat = await newChat(a, 'Keep me');
    // The transcript renders only the messages near the viewport: wait for each reply as the last message shown.
    for (const [i, q] of ['first question', 'second question'].entries()) {
      await send(a, q);
      await a.page.locator(`[data-testid=messages][data-count="${2 * i + 2}"]`).waitFor();
      await a.page.locator('[data-testid=message][data-role=assistant]').last().getByTestId('reply-usage').waitFor();
    }
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await fake?.close();
    await relay?.kill();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('shows Jump to latest while scrolled up, and jumps', async () => {
    const messages = a.page.getByTestId('messages');
    expect(await a.page.getByTestId('jump-latest').count()).toBe(0);
    await messages.evaluate((el) => el.scrollTo({ top: 0 }));
    await a.page.getByTestId('jump-latest').click();
    await a.page.getByTestId('jump-latest').waitFor({ state: 'detached' });
    const gap = await messages.evaluate((el) => el.scrollHeight - el.scrollTop - el.clientHeight);
    expect(gap).toBeLessThan(48);
  });

  it('grows the composer with its text and shrinks it once sent', async () => {
    const box = a.page.getByTestId('composer');
    const before = (await box.boundingBox())!.height;
    await box.fill(Array.from({ length: 8 }, (_, i) => `line ${i}`).join('\n'));
    await a.page.waitForFunction((h) => (document.querySelector('[data-testid=composer]') as HTMLElement).getBoundingClientRect().height > h + 40, before);
    await box.fill('');
    await a.page.waitForFunction((h) => (document.querySelector('[data-testid=composer]') as HTMLElement).getBoundingClientRect().height <= h + 1, before);
  });

  it('exports the chat as Markdown and as JSON', async () => {
    await a.page.getByTestId('export-chat').click();
    const [md] = await Promise.all([a.page.waitForEvent('download'), a.page.getByTestId('export-md').click()]);
    expect(md.suggestedFilename()).toBe('Keep-me.md');
    const text = readFileSync((await md.path())!, 'utf8');
    expect(text.startsWith('# Keep me\n')).toBe(true);
    expect(text).toMatch(/\n## Laptop · [^\n]+\n\nfirst question\n/);
    expect(text).toContain('Line 39 of a long answer.');
    await a.page.getByTestId('export-chat').click();
    const [json] = await Promise.all([a.page.waitForEvent('download'), a.page.getByTestId('export-json').click()]);
    const doc = JSON.parse(readFileSync((await json.path())!, 'utf8')) as { chat: { id: string }; messages: { role: string; content: string; usage?: { outputTokens: number } }[] };
    expect(doc.chat.id).toBe(chat);
    expect(doc.messages.map((m) => m.role)).toEqual(['user', 'assistant', 'user', 'assistant']);
    expect(doc.messages[1]!.usage?.outputTokens).toBe(50);
  });

  it('deletes one message', async () => {
    a.page.once('dialog', (d) => void d.accept());
    await a.page.getByTestId('message').filter({ hasText: 'second question' }).getByTestId('delete-message').click();
    await waitForCount(a, 3);
    expect(await a.page.getByTestId('message').filter({ hasText: 'second question' }).count()).toBe(0);
  });

  it('lists the shortcuts under ? and follows them', async () => {
    await a.page.getByTestId('messages').click();
    await a.page.keyboard.press('?');
    const list = a.page.getByTestId('shortcuts');
    await list.waitFor();
    for (const what of ['New chat', 'Search chats', 'Stop the reply being written', 'Write a message (focus the message box)']) expect(await list.textContent()).toContain(what);
    await a.page.getByRole('button', { name: 'Close' }).click();
    await list.waitFor({ state: 'detached' });
    await a.page.keyboard.press('Control+k');
    expect(await a.page.evaluate(() => document.activeElement?.id)).toBe('chat-search');
    await a.page.keyboard.press('Alt+m');
    expect(await a.page.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe('composer');
    const before = a.page.url();
    await a.page.keyboard.press('Alt+n');
    await a.page.waitForURL((u) => u.hash.startsWith('#/chats/') && u.href !== before);
  });

  it('moves a deleted chat to the trash, with Undo and Restore', async () => {
    const item = () => a.page.getByTestId('chat-item').filter({ has: a.page.locator(`a[href="#/chats/${chat}"]`) });
    const remove = async () => {
      await item().getByRole('button', { name: /Actions for/ }).click();
      await item().getByRole('button', { name: 'Delete' }).click();
      await item().waitFor({ state: 'detached' });
    };
    await remove();
    await a.page.getByTestId('trash-undo').getByRole('button', { name: 'Undo' }).click();
    await item().waitFor();
    await remove();
    await goto(a, '#/trash');
    const trashed = a.page.locator(`[data-testid=trash-item][data-chat="${chat}"]`);
    expect(await trashed.textContent()).toContain('29 days left');
    await trashed.getByRole('button', { name: 'Restore' }).click();
    await trashed.waitFor({ state: 'detached' });
    await item().waitFor();
  });
});
