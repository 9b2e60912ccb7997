/**
 * Agents in the app: an agent made on the Agents page answers a chat through
 * routing. New chats are set to Auto with a router model; the open tab (no
 * worker anywhere) asks the fake provider's router model, which names the
 * new agent, and answers as it: the chat shows the routing note and the
 * reply carries the agent's name. `@name` picks another agent for one message.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeProvider, type FakeProvider } from '@tendril/crdt-schema/testkit';
import { addProvider, createWorkspace, newChat, openDevice, send, type Device } from './harness/app-driver.ts';
import { ensureAppBuilt } from './harness/build-app.ts';
import { launchChromium } from './harness/chromium.ts';
import { startRelay, type Relay } from './harness/relay.ts';
import { shoot } from './harness/screenshots.ts';

const KEY = 'sk-fake-agents';
const SCOUT_PROMPT = 'You are Scout. Cite one source.';

describe('agents in the app', { timeout: 240_000 }, () => {
  let dir: string;
  let relay: Relay;
  let fake: FakeProvider;
  let browser: Browser;
  let a: Device;

  beforeAll(async () => {
    await ensureAppBuilt();
    dir = mkdtempSync(join(tmpdir(), 'tendril-e2e-agents-'));
    fake = await startFakeProvider({
      apiKey: KEY,
      cors: true,
      models: { 'router-mini': { text: ['{"agent": "Scout", "reason": "asks for a fact to look up"}'], usage: { inputTokens: 80, outputTokens: 12 } } },
      fallback: { text: ['The tallest tree', ' is Hyperion.'] },
    });
    relay = await startRelay(join(dir, 'relay'));
    browser = await launchChromium();
    a = await openDevice(await browser.newContext({ viewport: { width: 1280, height: 800 } }), relay.url, 'Laptop');
    await createWorkspace(a, 'Agents');
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await fake?.close();
    await relay?.kill();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('creates an agent and answers an auto chat as it, with the routing note', async () => {
    await addProvider(a, { name: 'local', models: 'gpt-4o-mini, router-mini', baseUrl: `${fake.url}/v1`, apiKey: KEY });

    await a.page.getByTestId('nav-agents').click();
    await a.page.getByTestId('agent').filter({ hasText: 'Assistant' }).waitFor();
    await a.page.getByTestId('agent-add').click();
    await a.page.getByTestId('agent-name').fill('Scout');
    await a.page.getByTestId('agent-description').fill('Looks up facts: heights, dates, names.');
    await a.page.getByTestId('agent-prompt').fill(SCOUT_PROMPT);
    await a.page.getByTestId('agent-save').click();
    await a.page.getByTestId('agent').filter({ hasText: 'Scout' }).waitFor();
    await a.page.getByTestId('new-chat-target').selectOption('auto');
    await a.page.getByTestId('router-model').selectOption('local/router-mini');
    await shoot(a.page, 'agents-page');

    await newChat(a, 'Trees');
    expect(await a.page.getByTestId('chat-target-select').inputValue()).toBe('auto');
    await send(a, 'How tall is the tallest tree?');
    const reply = a.page.locator('[data-testid=message][data-role=assistant]').filter({ hasText: 'Hyperion' }).first();
    await reply.waitFor();
    await expect.poll(() => reply.getAttribute('data-agent')).toBe('Scout');
    expect(await reply.getByTestId('message-who').textContent()).toBe('Scout');
    expect(await a.page.getByTestId('route-note').first().textContent()).toBe('routed to Scout: asks for a fact to look up');
    await shoot(a.page, 'agents-routed-reply');

    const routerAsk = fake.requests.find((r) => (r.body as { model?: string }).model === 'router-mini')!;
    expect(JSON.stringify(routerAsk.body)).toContain('- Scout: Looks up facts: heights, dates, names.');
    const answer = fake.requests.find((r) => (r.body as { model?: string }).model === 'gpt-4o-mini' && JSON.stringify(r.body).includes('tallest tree'))!;
    expect(JSON.stringify(answer.body)).toContain(SCOUT_PROMPT);

    // @name picks the agent for one message, without asking the router.
    const asked = fake.requests.filter((r) => (r.body as { model?: string }).model === 'router-mini').length;
    await send(a, '@assistant say hello');
    await a.page.locator('[data-testid=message][data-role=assistant][data-agent=Assistant]').first().waitFor();
    expect(await a.page.getByTestId('route-note').nth(1).textContent()).toBe('routed to Assistant: named with @Assistant');
    expect(fake.requests.filter((r) => (r.body as { model?: string }).model === 'router-mini')).toHaveLength(asked);
  });
});
