/**
 * A provider key for this device and this session only: shown as such, never written to the settings
 * (so a reload, which starts a new session from what is stored, has no key), absent from the relay.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWorkspace, goto, openDevice, waitConnected, type Device } from './harness/app-driver.ts';
import { ensureAppBuilt } from './harness/build-app.ts';
import { launchChromium } from './harness/chromium.ts';
import { deviceSources, printOnFailure } from './harness/on-failure.ts';
import { dumpIndexedDb, filesContaining, recordsContaining } from './harness/plaintext-scan.ts';
import { startRelay, type Relay } from './harness/relay.ts';

const API_KEY = `sk-session-${Math.random().toString(36).slice(2)}`;

describe('session-only provider keys', { timeout: 180_000 }, () => {
  let dataDir: string;
  let relay: Relay;
  let browser: Browser;
  let a: Device | null = null;

  beforeAll(async () => {
    await ensureAppBuilt();
    dataDir = mkdtempSync(join(tmpdir(), 'tendril-e2e-session-keys-'));
    relay = await startRelay(dataDir);
    browser = await launchChromium();
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await relay?.kill();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });
  printOnFailure(() => [['relay', () => relay?.log()], ...(a ? deviceSources(a) : [])]);

  it('keeps the key in the tab only: never stored or synced, gone after a reload', async () => {
    a = await openDevice(await browser.newContext({ viewport: { width: 1280, height: 800 } }), relay.url, 'Laptop');
    await createWorkspace(a, 'Keys');
    await goto(a, '#/settings');
    await a.page.locator('#p-kind').selectOption('openai');
    await a.page.getByTestId('api-key-input').fill(API_KEY);
    await a.page.getByTestId('api-key-session-only').check();
    await a.page.getByRole('button', { name: 'Add provider' }).click();
    await a.page.getByTestId('api-key-state').filter({ hasText: 'API key: this session only' }).waitFor();
    await a.page.getByTestId('unsaved').waitFor({ state: 'detached' });
    expect(recordsContaining(await dumpIndexedDb(a.page), API_KEY)).toEqual([]);
    expect(filesContaining(dataDir, API_KEY)).toEqual([]);
    await a.page.reload();
    await waitConnected(a);
    await goto(a, '#/settings');
    await a.page.getByTestId('api-key-state').filter({ hasText: 'No API key' }).waitFor();
  });
});
