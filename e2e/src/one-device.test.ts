/**
 * One browser device (plus a headless agent device in the test process)
 * against a real relay serving the built app: the PWA (manifest, service
 * worker), settings with a provider API key that never shows or leaks,
 * an agent reply streaming in and stopped with Stop, a 5,000-message chat,
 * the passphrase lock, an encrypted backup restored into a fresh browser,
 * and a visible warning when the relay serves tampered data.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import type { ChatId } from '@tendril/crdt-schema/ids';
import type { WorkspaceSession } from '@tendril/crdt-schema/workspace';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { confirmPairing, createInvite, createWorkspace, goto, joinWith, newChat, openChat, openDevice, send, transcript, waitConnected, waitForCount, type Device } from './harness/app-driver.ts';
import { ensureAppBuilt } from './harness/build-app.ts';
import { launchChromium } from './harness/chromium.ts';
import { joinAsNodeDevice, streamReply, writeLargeChat } from './harness/node-device.ts';
import { dumpIndexedDb, filesContaining, recordsContaining } from './harness/plaintext-scan.ts';
import { startRelay, type Relay } from './harness/relay.ts';
import { deviceSources, printOnFailure } from './harness/on-failure.ts';
import { shoot } from './harness/screenshots.ts';
import { tamperLargestDoc } from './harness/tamper.ts';

const API_KEY = `sk-test-${Math.random().toString(36).slice(2)}-secret`;
const LARGE = 5000;

describe('one device', { timeout: 180_000 }, () => {
  let dataDir: string;
  let relay: Relay;
  let browser: Browser;
  let a: Device;
  /** Devices a test opens besides `a` (printed when it fails). */
  const others: Device[] = [];
  let agent: WorkspaceSession | null = null;
  const chats: { id: string; title: string; lines: string[] }[] = [];

  beforeAll(async () => {
    await ensureAppBuilt();
    dataDir = mkdtempSync(join(tmpdir(), 'tendril-e2e-'));
    relay = await startRelay(dataDir);
    browser = await launchChromium();
    a = await openDevice(await browser.newContext({ viewport: { width: 1280, height: 800 } }), relay.url, 'Desktop');
  }, 300_000);

  afterAll(async () => {
    await agent?.close();
    await browser?.close();
    await relay?.kill();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });
  printOnFailure(() => [['relay', () => relay?.log()], ...deviceSources(a), ...others.flatMap(deviceSources)]);

  it('is an installable PWA: manifest with icons, and a service worker that controls the page', async () => {
    await shoot(a.page, 'welcome');
    const href = await a.page.locator('link[rel=manifest]').getAttribute('href');
    const manifest = (await (await a.page.request.get(new URL(href!, relay.url).href)).json()) as { display: string; start_url: string; icons: { sizes: string; purpose: string }[] };
    expect(manifest.display).toBe('standalone');
    expect(manifest.icons.map((i) => i.sizes)).toEqual(expect.arrayContaining(['192x192', '512x512']));
    expect(manifest.icons.some((i) => i.purpose === 'maskable')).toBe(true);
    const script = await a.page.evaluate(async () => (await navigator.serviceWorker.ready).active?.scriptURL);
    expect(script).toBe(`${relay.url}/service-worker.js`);
    await createWorkspace(a, 'Solo');
    await a.page.reload();
    await waitConnected(a);
    expect(await a.page.evaluate(() => navigator.serviceWorker.controller !== null)).toBe(true);
  });

  // Before any provider is set up: a tab with a provider answers pending turns itself (page runner), and
  // this test plays the agent by hand.
  it('streams an agent reply in live, and Stop stops it on the agent', async () => {
    agent = await joinAsNodeDevice(await createInvite(a), 'Agent', (code) => confirmPairing(a, code));
    const id = await newChat(a, 'Ask the agent');
    await send(a, 'Write a long story');
    const chunks = Array.from({ length: 60 }, (_, i) => `word${i} `);
    const reply = streamReply(agent, id as ChatId, chunks, 150);
    const message = a.page.getByTestId('message').filter({ hasText: 'word0' });
    await message.waitFor();
    await a.page.getByTestId('message').filter({ hasText: 'word3 ' }).waitFor();
    const partial = await message.textContent();
    expect(partial).not.toContain('word59');
    await message.getByText('writing…').waitFor();
    await shoot(a.page, 'streaming');
    await message.getByTestId('stop').click();
    expect(await reply).toBe('stopped');
    await message.getByText('stopped').waitFor();
    chats.push({ id, title: 'Ask the agent', lines: ['Write a long story'] });
  });

  it('stores a provider API key encrypted: masked in the UI, absent from the page, IndexedDB and the relay', async () => {
    await goto(a, '#/settings');
    await a.page.getByLabel('Kind', { exact: true }).selectOption('openai');
    await a.page.getByLabel('Models (comma-separated)').fill('gpt-4o-mini, gpt-4o');
    await a.page.getByTestId('api-key-input').fill(API_KEY);
    await a.page.getByRole('button', { name: 'Add provider' }).click();
    await a.page.getByTestId('api-key-state').filter({ hasText: 'API key: ••••' }).waitFor();
    await a.page.getByLabel('Dark').check();
    await a.page.locator('html[data-theme=dark]').waitFor({ state: 'attached' });
    await shoot(a.page, 'settings-dark');
    expect(await a.page.content()).not.toContain(API_KEY);
    expect(await a.page.getByLabel('Default model').inputValue()).toBe('openai/gpt-4o-mini');
    await a.page.getByTestId('unsaved').waitFor({ state: 'detached' });
    expect(recordsContaining(await dumpIndexedDb(a.page), API_KEY)).toEqual([]);
    expect(filesContaining(dataDir, API_KEY)).toEqual([]);
    await a.page.getByLabel('Light').check();
  });

  it('opens a 5,000-message chat without a stall: it renders only what is on screen', async () => {
    const { id, first, last } = await writeLargeChat(agent!, 'Long history', LARGE);
    await a.page.locator(`a[href="#/chats/${id}"]`).waitFor();
    await a.page.evaluate(() => {
      const w = window as unknown as { __longest: number };
      w.__longest = 0;
      new PerformanceObserver((list) => {
        for (const e of list.getEntries()) w.__longest = Math.max(w.__longest, e.duration);
      }).observe({ type: 'longtask', buffered: false });
    });
    const started = Date.now();
    await openChat(a, id);
    await waitForCount(a, LARGE);
    await a.page.getByTestId('message').filter({ hasText: last.trim() }).waitFor();
    const openMs = Date.now() - started;
    const longest = await a.page.evaluate(() => (window as unknown as { __longest: number }).__longest);
    const rendered = await a.page.getByTestId('message').count();
    console.log(`5,000-message chat: visible after ${openMs} ms, longest main-thread task ${Math.round(longest)} ms, ${rendered} messages in the DOM`);
    expect(rendered).toBeLessThan(80);
    expect(openMs).toBeLessThan(10_000);
    // Scrolling to the top shows the first message (the window moves; the DOM stays small).
    await a.page.getByTestId('messages').evaluate((el) => (el.scrollTop = 0));
    await a.page.getByTestId('message').filter({ hasText: first.trim() }).waitFor();
    expect(await a.page.getByTestId('message').count()).toBeLessThan(80);
    await shoot(a.page, 'large-chat');
    chats.push({ id, title: 'Long history', lines: [] });
  });

  it('locks with a passphrase: the keys open only with it', async () => {
    await goto(a, '#/settings');
    await a.page.getByLabel('Passphrase', { exact: true }).fill('correct horse battery');
    await a.page.locator('#lock-again').fill('correct horse battery');
    await a.page.getByRole('button', { name: 'Turn on lock' }).click();
    await a.page.getByText('locked with a passphrase').waitFor();
    await a.page.getByRole('button', { name: 'Lock now' }).click();
    await a.page.getByRole('heading', { name: 'Locked' }).waitFor();
    await a.page.reload();
    await a.page.getByLabel('Passphrase').fill('wrong passphrase');
    await a.page.getByRole('button', { name: 'Unlock' }).click();
    await a.page.getByRole('alert').filter({ hasText: 'E_PASSPHRASE' }).waitFor();
    await shoot(a.page, 'locked');
    await a.page.getByLabel('Passphrase').fill('correct horse battery');
    await a.page.getByRole('button', { name: 'Unlock' }).click();
    await waitConnected(a);
  });

  it('exports an encrypted backup and restores every chat into a fresh browser', async () => {
    const id = await newChat(a, 'Recipes');
    await send(a, 'Pancakes: flour, eggs, milk');
    await send(a, 'Waffles need **yeast**');
    chats.push({ id, title: 'Recipes', lines: ['Pancakes: flour, eggs, milk', 'Waffles need yeast'] });
    await goto(a, '#/settings');
    await a.page.locator('#backup-pass-new').fill('backup passphrase 1');
    await a.page.locator('#backup-pass-again').fill('backup passphrase 1');
    const [download] = await Promise.all([a.page.waitForEvent('download', { timeout: 60_000 }), a.page.getByTestId('export-backup').click()]);
    await a.page.getByTestId('backup-done').waitFor();
    // Argon2id ran in the Web Worker, not on the page's thread.
    expect(await a.page.evaluate(() => performance.getEntriesByType('resource').some((e) => e.name.includes('pwhash.worker')))).toBe(true);
    const file = join(dataDir, '..', `${Date.now()}.tendril-backup`);
    await download.saveAs(file);
    expect(readFileSync(file).includes(Buffer.from('Pancakes'))).toBe(false);

    const c = await openDevice(await browser.newContext({ viewport: { width: 1280, height: 800 } }), relay.url, 'New laptop');
    await c.page.getByRole('button', { name: 'Restore a backup' }).click();
    await c.page.getByLabel('Backup file').setInputFiles(file);
    await c.page.getByLabel('Backup passphrase').fill('backup passphrase 1');
    await c.page.getByLabel("This device's name").fill('New laptop');
    await c.page.getByRole('button', { name: 'Restore', exact: true }).click();
    await waitConnected(c);
    rmSync(file, { force: true });
    for (const chat of chats) {
      await c.page.locator(`a[href="#/chats/${chat.id}"]`).filter({ hasText: chat.title }).waitFor();
      await openChat(c, chat.id);
      const lines = await transcript(c);
      for (const l of chat.lines) expect(lines.some((x) => x.startsWith(l))).toBe(true);
    }
    await openChat(c, chats[1]!.id);
    await waitForCount(c, LARGE);
    await goto(c, '#/devices');
    await c.page.getByTestId('device-row').filter({ hasText: 'New laptop' }).getByText('this device').waitFor();
    await shoot(c.page, 'restored-devices');
  });

  it('warns visibly when the relay serves a tampered entry, and does not apply it', async () => {
    await relay.kill();
    tamperLargestDoc(dataDir);
    relay = await startRelay(dataDir, relay.port);
    await waitConnected(a);
    const d = await openDevice(await browser.newContext({ viewport: { width: 1280, height: 800 } }), relay.url, 'Tablet');
    others.push(d);
    await joinWith(d, await createInvite(a), a);
    const warning = d.page.getByTestId('relay-warning');
    await warning.first().waitFor();
    expect(await warning.first().textContent()).toMatch(/E_BAD_SIGNATURE|E_DECRYPT_FAILED|E_ENVELOPE_MALFORMED/);
    await shoot(d.page, 'relay-warning');
    // The tampered entry (the large chat's last batch of messages) was refused; the rest arrived.
    await openChat(d, chats[1]!.id);
    const shown = Number(await d.page.getByTestId('messages').getAttribute('data-count'));
    expect(shown).toBeGreaterThan(0);
    expect(shown).toBeLessThan(LARGE);
  });
});
