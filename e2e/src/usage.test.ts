/**
 * Usage you can see: the open tab answers turns in two chats through the
 * fake provider (which reports tokens); each reply shows its tokens and cost,
 * the chat header its total, and the Usage page's totals equal the sum of the
 * replies' recorded usage (tokens from the provider, cost from the replies).
 * A price set for the model in Settings changes the cost everywhere. With a
 * daily limit below what the next turn would cost, the tab refuses the turn
 * with the limit named; the app warns at 80 % and when the limit is used up,
 * in a banner and as a system notification once they are allowed.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Locator } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeProvider, type FakeProvider } from '@tendril/crdt-schema/testkit';
import { createWorkspace, goto, newChat, openChat, openDevice, send, type Device } from './harness/app-driver.ts';
import { ensureAppBuilt } from './harness/build-app.ts';
import { launchChromium } from './harness/chromium.ts';
import { startRelay, type Relay } from './harness/relay.ts';
import { shoot } from './harness/screenshots.ts';

const KEY = 'sk-fake-usage';
const IN = 1234;
const OUT = 56;

describe('usage and cost in the app', { timeout: 240_000 }, () => {
  let dir: string;
  let relay: Relay;
  let fake: FakeProvider;
  let browser: Browser;
  let a: Device;
  const chats: string[] = [];

  beforeAll(async () => {
    await ensureAppBuilt();
    dir = mkdtempSync(join(tmpdir(), 'tendril-e2e-usage-'));
    fake = await startFakeProvider({ apiKey: KEY, cors: true, fallback: { text: ['Counted ', 'for you.'], usage: { inputTokens: IN, outputTokens: OUT } } });
    relay = await startRelay(join(dir, 'relay'), 0);
    browser = await launchChromium();
    a = await openDevice(await browser.newContext({ viewport: { width: 1280, height: 900 } }), relay.url, 'Laptop');
    await createWorkspace(a, 'Costs');
    await goto(a, '#/settings');
    const form = a.page.getByRole('form', { name: 'Add a provider' });
    await form.getByLabel('Kind', { exact: true }).selectOption('openai');
    await form.getByLabel('Name').fill('local');
    await form.getByLabel('Base URL (optional)').fill(`${fake.url}/v1`);
    await form.getByLabel('API key', { exact: true }).fill(KEY);
    await form.getByRole('button', { name: 'Add provider' }).click();
    await a.page.getByTestId('providers').locator('strong').getByText('local', { exact: true }).waitFor();
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await fake?.close();
    await relay?.kill();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const num = async (l: Locator, attr: string): Promise<number> => Number(await l.getAttribute(attr));
  const replyUsages = () => a.page.locator('[data-testid=message][data-role=assistant] [data-testid=reply-usage]');

  async function ask(text: string, repliesBefore: number): Promise<void> {
    await send(a, text);
    await a.page.locator(`[data-testid=message][data-role=assistant] [data-testid=reply-usage] >> nth=${repliesBefore}`).waitFor();
  }

  /** The recorded usage of the replies in the open chat, as the page shows it. */
  async function shown(): Promise<{ input: number; output: number; cost: number; n: number }> {
    const all = await replyUsages().all();
    let input = 0, output = 0, cost = 0;
    for (const u of all) {
      input += await num(u, 'data-input');
      output += await num(u, 'data-output');
      cost += await num(u, 'data-cost');
    }
    return { input, output, cost, n: all.length };
  }

  it('shows tokens and cost under each reply and the chat total in its header', async () => {
    chats.push(await newChat(a, 'First'));
    await ask('How much was that?', 0);
    const u = replyUsages().first();
    expect(await num(u, 'data-input')).toBe(IN);
    expect(await num(u, 'data-output')).toBe(OUT);
    const model = (fake.requests.at(-1)!.body as { model: string }).model;
    expect(model).toBeTruthy();
    expect(await u.textContent()).toMatch(/1,?234 in · 56 out/);
    chats.push(await newChat(a, 'Second'));
    await ask('And this?', 0);
    await ask('And once more?', 1);
    const second = await shown();
    expect(second).toMatchObject({ input: 2 * IN, output: 2 * OUT, n: 2 });
    const total = a.page.getByTestId('chat-usage-total');
    expect(await num(total, 'data-calls')).toBe(2);
    expect(await num(total, 'data-input')).toBe(2 * IN);
    expect(await num(total, 'data-cost')).toBeCloseTo(second.cost, 12);
    await shoot(a.page, 'usage-chat');
  });

  it('has a Usage page whose totals equal the sum of the recorded replies', async () => {
    await openChat(a, chats[0]!);
    const first = await shown();
    await openChat(a, chats[1]!);
    const second = await shown();
    await goto(a, '#/usage');
    const total = a.page.getByTestId('usage-total');
    await total.waitFor();
    expect(await num(total, 'data-calls')).toBe(first.n + second.n);
    expect(await num(total, 'data-input')).toBe(3 * IN);
    expect(await num(total, 'data-input')).toBe(first.input + second.input);
    expect(await num(total, 'data-output')).toBe(first.output + second.output);
    expect(await num(total, 'data-cost')).toBeCloseTo(first.cost + second.cost, 12);
    const model = (fake.requests.at(-1)!.body as { model: string }).model;
    expect(await a.page.getByTestId('usage-by-model').locator(`tr[data-key="${model}"]`).count()).toBe(1);
    expect(await a.page.getByTestId('usage-by-provider').locator('tr[data-key="local"]').count()).toBe(1);
    const bars = await a.page.getByTestId('usage-chart').locator('rect.bar').evaluateAll((rs) => rs.map((r) => Number(r.getAttribute('data-value'))));
    expect(bars.reduce((n, v) => n + v, 0)).toBeCloseTo(first.cost + second.cost, 12);
    await shoot(a.page, 'usage-page');
  });

  it('counts the model at the price set in Settings', async () => {
    const model = (fake.requests.at(-1)!.body as { model: string }).model;
    await goto(a, '#/settings');
    await a.page.getByTestId('price-model').fill(model);
    await a.page.getByTestId('price-input').fill('1000');
    await a.page.getByTestId('price-output').fill('0');
    await a.page.getByRole('button', { name: 'Set price' }).click();
    await a.page.getByTestId('price-overrides').locator(`tr[data-model="${model.toLowerCase()}"]`).waitFor();
    await goto(a, '#/usage');
    const total = a.page.getByTestId('usage-total');
    await a.page.locator(`[data-testid=usage-total][data-cost="${(3 * IN * 1000) / 1_000_000}"]`).waitFor();
    expect(await num(total, 'data-cost')).toBeCloseTo((3 * IN * 1000) / 1_000_000, 9);
    await openChat(a, chats[0]!);
    expect(await num(replyUsages().first(), 'data-cost')).toBeCloseTo((IN * 1000) / 1_000_000, 9);
  });

  async function setDailyLimit(usd: string): Promise<void> {
    await goto(a, '#/settings');
    await a.page.getByTestId('limit-daily').fill(usd);
    await a.page.getByRole('button', { name: 'Save limits' }).click();
    await a.page.getByRole('form', { name: 'Spending limits' }).getByRole('status').filter({ hasText: 'Saved' }).waitFor();
  }

  it('refuses a turn in the tab when it would pass the daily limit, naming it, and warns at 80 % and 100 %', async () => {
    // System notifications allowed for the app; what it shows is recorded (through the service worker or not).
    await a.context.grantPermissions(['notifications'], { origin: relay.url });
    await a.page.evaluate(() => {
      const shown: string[] = [];
      (window as unknown as { shown: string[] }).shown = shown;
      const viaWorker = ServiceWorkerRegistration.prototype.showNotification;
      ServiceWorkerRegistration.prototype.showNotification = function (title: string, o?: NotificationOptions) {
        shown.push(`${title}: ${o?.body ?? ''}`);
        return viaWorker.call(this, title, o);
      };
      const Plain = window.Notification;
      window.Notification = class extends Plain {
        constructor(title: string, o?: NotificationOptions) {
          super(title, o);
          shown.push(`${title}: ${o?.body ?? ''}`);
        }
      } as typeof Notification;
    });
    // Spent today at the price set above: 3 × 1234 tokens in at $1000 per million = $3.702, 92 % of $4.
    await setDailyLimit('4');
    await a.page.getByText('System notifications are on for this device.').waitFor();
    const warning = a.page.locator('[data-testid=spend-alert][data-period=daily][data-level="80"]');
    await warning.waitFor();
    expect(await warning.textContent()).toContain('92 % of the daily spending limit is spent ($3.70 of $4.00)');
    await a.page.waitForFunction(() => (window as unknown as { shown: string[] }).shown.some((n) => n.startsWith('Tendril: daily spending limit at 80 %: 92 % of the daily')));
    const before = fake.requests.length;
    await openChat(a, chats[0]!);
    // About 504 tokens at $1000 per million: $0.50 more would pass $4.
    await send(a, 'y'.repeat(2000));
    const refused = a.page.locator('[data-testid=message][data-role=assistant]').last().getByTestId('reply-error');
    await refused.filter({ hasText: 'would pass the daily spending limit of $4.00' }).waitFor();
    expect(await refused.textContent()).toContain('$3.70 spent today (UTC); raise or remove it in Settings > Spending limits');
    expect(fake.requests.length).toBe(before);
    await shoot(a.page, 'usage-limit-refused');
    await setDailyLimit('3');
    const used = a.page.locator('[data-testid=spend-alert][data-period=daily][data-level="100"]');
    await used.waitFor();
    expect(await used.textContent()).toContain('The daily spending limit of $3.00 is used up ($3.70 spent)');
    await a.page.waitForFunction(() => (window as unknown as { shown: string[] }).shown.some((n) => n.startsWith('Tendril: daily spending limit used up: The daily spending limit of $3.00')));
    // Each period and level is notified once.
    expect(await a.page.evaluate(() => (window as unknown as { shown: string[] }).shown.length)).toBe(2);
    await used.getByRole('button', { name: 'Dismiss' }).click();
    await used.waitFor({ state: 'detached' });
  });
});
