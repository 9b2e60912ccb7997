/**
 * An agent's memory in the app: the open tab (no worker anywhere) answers as
 * the assistant, which stores a fact in one chat and recalls it in another
 * by meaning (the tab embeds through the fake provider, whose vectors put
 * "preferred hue" near "favourite colour"); the Agents page then shows the
 * fact, edits it, forgets it and clears the memory.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scenarioMarker, startFakeProvider, type FakeProvider } from '@tendril/crdt-schema/testkit';
import { addProvider, createWorkspace, newChat, openDevice, send, type Device } from './harness/app-driver.ts';
import { ensureAppBuilt } from './harness/build-app.ts';
import { launchChromium } from './harness/chromium.ts';
import { startRelay, type Relay } from './harness/relay.ts';
import { shoot } from './harness/screenshots.ts';

const KEY = 'sk-fake-memory';
type Body = { messages?: { role: string; content: string | null }[] };

describe('agent memory in the app', { timeout: 240_000 }, () => {
  let dir: string;
  let relay: Relay;
  let fake: FakeProvider;
  let browser: Browser;
  let a: Device;

  beforeAll(async () => {
    await ensureAppBuilt();
    dir = mkdtempSync(join(tmpdir(), 'tendril-e2e-memory-'));
    fake = await startFakeProvider({
      apiKey: KEY,
      cors: true,
      scenarios: {
        remember: [{ toolCalls: [{ name: 'memory_set', arguments: JSON.stringify({ key: 'favourite colour', value: 'teal' }) }] }, { text: ['Noted.'] }],
        recall: [{ toolCalls: [{ name: 'memory_search', arguments: JSON.stringify({ query: 'preferred hue' }) }] }, { text: ['Teal, as you said.'] }],
      },
      fallback: { text: ['ok'] },
    });
    relay = await startRelay(join(dir, 'relay'));
    browser = await launchChromium();
    a = await openDevice(await browser.newContext({ viewport: { width: 1280, height: 800 } }), relay.url, 'Laptop');
    await createWorkspace(a, 'Memory');
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await fake?.close();
    await relay?.kill();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('remembers in one chat, recalls by meaning in another, and shows, edits and clears the memory', async () => {
    await addProvider(a, { name: 'local', models: 'gpt-4o-mini, text-embedding-3-small', baseUrl: `${fake.url}/v1`, apiKey: KEY });

    await a.page.getByTestId('nav-agents').click();
    const card = a.page.getByTestId('agent').filter({ hasText: 'Assistant' });
    await card.waitFor();
    await card.getByTestId('grant-memory').check();
    await a.page.getByTestId('embedding-model').selectOption('local/text-embedding-3-small');

    await newChat(a, 'Paint');
    await send(a, `${scenarioMarker('remember')} my favourite colour is teal`);
    await a.page.locator('[data-testid=message][data-role=assistant]').filter({ hasText: 'Noted.' }).waitFor();
    await newChat(a, 'Walls');
    await send(a, `${scenarioMarker('recall')} what should the walls be?`);
    await a.page.locator('[data-testid=message][data-role=assistant]').filter({ hasText: 'Teal, as you said.' }).waitFor();
    const recall = fake.requests.filter((r) => JSON.stringify((r.body as Body).messages ?? []).includes(scenarioMarker('recall'))).at(-1)!;
    const result = ((recall.body as Body).messages ?? []).filter((m) => m.role === 'tool').map((m) => m.content).join('\n');
    expect(result).toMatch(/by meaning and words \(semantic and keyword search\) for "preferred hue":\n1\. \[memory\] favourite colour: teal/);
    expect(fake.requests.some((r) => r.path === '/v1/embeddings')).toBe(true);

    await a.page.getByTestId('nav-agents').click();
    await card.getByTestId('agent-memory-toggle').click();
    const entry = card.getByTestId('memory-entry').filter({ hasText: 'favourite colour' });
    await entry.waitFor();
    expect(await entry.getByTestId('memory-value').textContent()).toBe('teal');
    await shoot(a.page, 'agent-memory');
    await entry.getByTestId('memory-edit').click();
    await entry.getByTestId('memory-edit-value').fill('sea green');
    await entry.getByTestId('memory-save').click();
    await expect.poll(() => entry.getByTestId('memory-value').textContent()).toBe('sea green');
    await card.getByTestId('memory-add-key').fill('city');
    await card.getByTestId('memory-add-value').fill('Lisbon');
    await card.getByTestId('memory-add').click();
    await card.getByTestId('memory-entry').filter({ hasText: 'Lisbon' }).waitFor();
    await card.getByTestId('memory-entry').filter({ hasText: 'Lisbon' }).getByTestId('memory-delete').click();
    await expect.poll(() => card.getByTestId('memory-entry').count()).toBe(1);
    await card.getByTestId('memory-clear').click();
    await card.getByTestId('memory-clear-confirm').click();
    await card.getByTestId('memory-empty').waitFor();
  });
});
