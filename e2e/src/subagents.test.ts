/**
 * A sub-agent hop in the app: the open tab (no worker) answers as the
 * built-in assistant, whose model (scripted by model in the fake provider)
 * calls `delegate`; Helper, added on the Agents page with its own model,
 * answers the sub-task. The reply shows the hop folded, with Helper's model
 * and tokens, and opens on the task and the answer.
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

const KEY = 'sk-fake-sub';

describe('sub-agents in the app', { timeout: 240_000 }, () => {
  let dir: string;
  let relay: Relay;
  let fake: FakeProvider;
  let browser: Browser;
  let a: Device;

  beforeAll(async () => {
    await ensureAppBuilt();
    dir = mkdtempSync(join(tmpdir(), 'tendril-e2e-sub-'));
    fake = await startFakeProvider({
      apiKey: KEY,
      cors: true,
      models: {
        'lead-model': [
          { toolCalls: [{ name: 'delegate', arguments: JSON.stringify({ agent: 'Helper', task: 'What is six times seven?' }) }], usage: { inputTokens: 40, outputTokens: 9 } },
          { text: ['Helper says 42.'], usage: { inputTokens: 60, outputTokens: 5 } },
        ],
        'helper-model': { text: ['It is 42.'], usage: { inputTokens: 31, outputTokens: 4 } },
      },
    });
    relay = await startRelay(join(dir, 'relay'));
    browser = await launchChromium();
    a = await openDevice(await browser.newContext({ viewport: { width: 1280, height: 800 } }), relay.url, 'Laptop');
    await createWorkspace(a, 'Sub');
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await fake?.close();
    await relay?.kill();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('shows the hop folded, with the sub-agent\'s own model and tokens', async () => {
    await addProvider(a, { name: 'local', models: 'lead-model, helper-model', baseUrl: `${fake.url}/v1`, apiKey: KEY });

    await a.page.getByTestId('nav-agents').click();
    await a.page.getByTestId('agent').filter({ hasText: 'Assistant' }).waitFor();
    await a.page.getByTestId('agent-add').click();
    await a.page.getByTestId('agent-name').fill('Helper');
    await a.page.getByTestId('agent-description').fill('Answers arithmetic.');
    await a.page.getByTestId('agent-model').selectOption('local/helper-model');
    await a.page.getByTestId('agent-save').click();
    await a.page.getByTestId('agent').filter({ hasText: 'Helper' }).waitFor();
    await a.page.getByTestId('new-chat-target').selectOption({ label: 'Assistant' });

    await newChat(a, 'Sums');
    await send(a, 'ask the helper');
    const reply = a.page.locator('[data-testid=message][data-role=assistant]').filter({ hasText: 'Helper says 42.' }).first();
    await reply.waitFor();
    const hop = reply.getByTestId('hop');
    await expect.poll(() => hop.getAttribute('data-status')).toBe('done');
    expect(await hop.locator('summary').textContent()).toBe('Assistant → Helper (helper-model, 31 in, 4 out)');
    expect(await hop.getByTestId('hop-result').isVisible()).toBe(false);
    await hop.locator('summary').click();
    expect(await hop.getByTestId('hop-result').textContent()).toBe('It is 42.');
    await shoot(a.page, 'subagent-hop');
  });
});
