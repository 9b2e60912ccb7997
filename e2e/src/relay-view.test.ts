/**
 * Settings → "What the relay can see" against a real relay: after a workspace
 * with a chat is written, the view lists exactly the documents the relay
 * stores for the workspace, with the relay's entry counts and sealed byte
 * totals, this device's id and its address as the relay saw it, and no
 * plaintext (message text, chat title, workspace or device name).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWorkspace, goto, newChat, openDevice, send, type Device } from './harness/app-driver.ts';
import { ensureAppBuilt } from './harness/build-app.ts';
import { launchChromium } from './harness/chromium.ts';
import { startRelay, type Relay } from './harness/relay.ts';
import { shoot } from './harness/screenshots.ts';

const SECRET = `canary-${Math.random().toString(36).slice(2)}`;
const TITLE = `Title ${SECRET}`;
const WORKSPACE = `Space ${SECRET}`;
const DEVICE = `Laptop ${SECRET}`;

interface DocFacts {
  doc: string;
  entries: number;
  bytes: number;
}

/** What the relay stores, per document of the workspace: entry count and sealed bytes. */
function relayFacts(dataDir: string): DocFacts[] {
  const db = new Database(join(dataDir, 'relay.sqlite'), { readonly: true, fileMustExist: true });
  try {
    const sql = `SELECT d.id AS doc, count(e.seq) AS entries, coalesce(sum(length(e.envelope)), 0) AS bytes
                 FROM docs d LEFT JOIN entries e ON e.doc = d.id GROUP BY d.id`;
    return (db.prepare(sql).all() as DocFacts[]).sort((x, y) => x.doc.localeCompare(y.doc));
  } finally {
    db.close();
  }
}

describe('what the relay can see', { timeout: 180_000 }, () => {
  let dataDir: string;
  let relay: Relay;
  let browser: Browser;
  let a: Device;

  beforeAll(async () => {
    await ensureAppBuilt();
    dataDir = mkdtempSync(join(tmpdir(), 'tendril-e2e-'));
    relay = await startRelay(dataDir);
    browser = await launchChromium();
    a = await openDevice(await browser.newContext({ viewport: { width: 1280, height: 900 } }), relay.url, DEVICE);
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await relay?.kill();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it("lists the relay's documents with its entry counts and sizes, this device and its address, and no plaintext", async () => {
    await createWorkspace(a, WORKSPACE);
    await newChat(a, TITLE);
    await send(a, `first message ${SECRET}`);
    await send(a, `second, longer message ${SECRET} with more words in it`);
    await goto(a, '#/settings');
    const view = a.page.getByTestId('relay-view');
    await view.waitFor();

    const shown = async (): Promise<DocFacts[]> =>
      (
        await a.page.$$eval('[data-testid=relay-view-doc]', (rows) =>
          rows.map((r) => ({ doc: r.getAttribute('data-doc')!, entries: Number(r.getAttribute('data-entries')), bytes: Number(r.getAttribute('data-bytes')) })),
        )
      ).sort((x, y) => x.doc.localeCompare(y.doc));
    // The view refreshes itself; wait until it agrees with the relay's store (or time out with both printed).
    const deadline = Date.now() + 30_000;
    let relaySide = relayFacts(dataDir);
    let pageSide = await shown();
    while (JSON.stringify(pageSide) !== JSON.stringify(relaySide) && Date.now() < deadline) {
      await a.page.waitForTimeout(250);
      relaySide = relayFacts(dataDir);
      pageSide = await shown();
    }
    expect(pageSide).toEqual(relaySide);
    // The workspace index, the chat, and the settings and permissions documents, each with entries.
    expect(relaySide.length).toBeGreaterThanOrEqual(2);
    expect(relaySide.filter((d) => d.entries > 0).length).toBeGreaterThanOrEqual(2);
    expect(await a.page.getByTestId('relay-view-doc-count').textContent()).toContain(String(relaySide.length));

    const me = await a.page.evaluate(() => document.querySelector('[data-testid=relay-view-devices] li')?.getAttribute('data-device'));
    expect(me).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(await a.page.getByTestId('relay-view-devices').textContent()).toContain(`${me} (this device)`);
    expect((await a.page.getByTestId('relay-view-address').textContent())?.trim()).toMatch(/^(::ffff:)?127\.0\.0\.1$|^::1$/);

    await view.scrollIntoViewIfNeeded();
    await shoot(a.page, 'settings-relay-view');
    const text = (await view.textContent()) ?? '';
    for (const plain of [SECRET, 'first message', 'longer message']) expect(text).not.toContain(plain);
  });
});
