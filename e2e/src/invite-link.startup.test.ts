/**
 * An invite link that reaches a tab while the app is still starting. SvelteKit's hash router reads
 * the URL when it starts and writes it back once the first page has loaded; a hash change in
 * between used to be reverted, leaving the new device on the Welcome page at `/` with the link gone.
 * The first test holds the first page's module at the network until the link is open, so the change
 * falls in that window every time; the second opens links the moment a fresh page has loaded, after
 * a relay restart, as the tampered-relay test in one-device.test.ts does.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { confirmPairing, createInvite, createWorkspace, openDevice, waitConnected, type Device } from './harness/app-driver.ts';
import { ensureAppBuilt } from './harness/build-app.ts';
import { launchChromium } from './harness/chromium.ts';
import { deviceSources, printOnFailure } from './harness/on-failure.ts';
import { startRelay, type Relay } from './harness/relay.ts';

const LINKS = 20;

/** Waits for the join page of `link` (its form, and the link still in the address bar). */
async function waitJoinPage(page: Page, link: string): Promise<void> {
  await page.getByRole('button', { name: 'Join workspace' }).waitFor();
  expect(new URL(page.url()).hash).toBe(new URL(link).hash);
}

describe('an invite link opened while the app starts', { timeout: 180_000 }, () => {
  let dataDir: string;
  let relay: Relay;
  let browser: Browser;
  let a: Device;
  /** The device a test opens besides `a` (printed when it fails). */
  let current: Device | undefined;

  beforeAll(async () => {
    await ensureAppBuilt();
    dataDir = mkdtempSync(join(tmpdir(), 'tendril-e2e-'));
    relay = await startRelay(dataDir);
    browser = await launchChromium();
    a = await openDevice(await browser.newContext({ viewport: { width: 1280, height: 800 } }), relay.url, 'Desktop');
    await createWorkspace(a, 'Startup links');
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await relay?.kill();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });
  printOnFailure(() => [['relay', () => relay?.log()], ...deviceSources(a), ...deviceSources(current)]);

  /** A new invite link from `a`, closing the previous one's panel if a test left it open. */
  async function newInvite(): Promise<string> {
    const done = a.page.getByRole('button', { name: 'Done' });
    if (await done.isVisible()) await done.click();
    return createInvite(a);
  }

  it('opens the join page when the link arrives before the first page has loaded, and the join completes', async () => {
    const link = await newInvite();
    // index.html preloads the root layout; the first page's module is fetched once the router has
    // read the URL, so holding it keeps the router between reading the URL and writing it back.
    const html = await (await fetch(relay.url)).text();
    const preloaded = new Set([...html.matchAll(/href="([^"]*\/_app\/immutable\/nodes\/[^"]+)"/g)].map((m) => m[1]));
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    let holding!: () => void;
    const held = new Promise<void>((r) => (holding = r));
    await context.route(
      (url) => url.pathname.startsWith('/_app/immutable/nodes/') && !preloaded.has(url.pathname),
      async (route) => {
        holding();
        await released;
        await route.continue();
      },
    );
    const d = await openDevice(context, relay.url, 'Tablet');
    current = d;
    await held;
    await d.page.goto(link);
    release();
    await waitJoinPage(d.page, link);
    await d.page.getByLabel("This device's name").fill(d.name);
    await d.page.getByRole('button', { name: 'Join workspace' }).click();
    const code = (await d.page.getByTestId('joiner-pairing-code').textContent())!.replace(/\s/g, '');
    await confirmPairing(a, code);
    await waitConnected(d);
    await context.close();
  });

  it(`opens the join page for ${LINKS} links opened the moment a fresh page has loaded, after a relay restart`, async () => {
    const link = await newInvite();
    await relay.kill();
    relay = await startRelay(dataDir, relay.port);
    for (let i = 0; i < LINKS; i++) {
      const d = await openDevice(await browser.newContext({ viewport: { width: 1280, height: 800 } }), relay.url, `Device ${i}`);
      current = d;
      await d.page.goto(link);
      await waitJoinPage(d.page, link);
      await d.context.close();
    }
  });
});
