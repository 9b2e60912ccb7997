/**
 * Attachments in the app: an image pasted into the composer and a text file picked with Attach are
 * sealed in the tab, uploaded as blobs, and the turn reaches the fake provider with the image as an
 * OpenAI image_url part (its exact bytes) and the file's text in the message; the second device shows
 * the image, fetched and opened there; a file over 10 MB is refused in the composer with the cap and
 * nothing typed is lost; and the relay's data directory holds neither the image's bytes nor the text
 * file's canary in clear.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeProvider, type FakeProvider } from '@tendril/crdt-schema/testkit';
import { addProvider, createInvite, createWorkspace, joinWith, newChat, openChat, openDevice, type Device, waitForCount } from './harness/app-driver.ts';
import { ensureAppBuilt } from './harness/build-app.ts';
import { deviceSources, printOnFailure } from './harness/on-failure.ts';
import { launchChromium } from './harness/chromium.ts';
import { startRelay, type Relay } from './harness/relay.ts';
import { dumpIndexedDb, filesContaining, recordsContaining } from './harness/plaintext-scan.ts';

const KEY = 'sk-fake-attach';
const ANSWER = 'A small red square.';
const IMAGE_CANARY = `CANARY-IMAGE-${Math.random().toString(36).slice(2, 10)}`;
const TEXT_CANARY = `CANARY-TEXT-${Math.random().toString(36).slice(2, 10)}`;

/** CRC-32 (PNG chunks). */
function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  }
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Uint8Array): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'ascii');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, crc]);
}

/** A valid 8x8 red PNG carrying a canary in a tEXt chunk. */
function canaryPng(): Uint8Array {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(8, 0);
  ihdr.writeUInt32BE(8, 4);
  ihdr.set([8, 2, 0, 0, 0], 8);
  const rows = Buffer.concat(Array.from({ length: 8 }, () => Buffer.from([0, ...Array.from({ length: 8 }, () => [255, 0, 0]).flat()])));
  return new Uint8Array(Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('tEXt', Buffer.from(`Comment\0${IMAGE_CANARY}`, 'latin1')),
    chunk('IDAT', deflateSync(rows)),
    chunk('IEND', new Uint8Array(0)),
  ]));
}

describe('attachments', { timeout: 240_000 }, () => {
  let dir: string;
  let relay: Relay;
  let fake: FakeProvider;
  let browser: Browser;
  let a: Device;
  let b: Device;
  let chat = '';
  const png = canaryPng();
  printOnFailure(() => [...deviceSources(a), ...deviceSources(b)], 3000);

  beforeAll(async () => {
    await ensureAppBuilt();
    dir = mkdtempSync(join(tmpdir(), 'tendril-e2e-attach-'));
    fake = await startFakeProvider({ apiKey: KEY, cors: true, fallback: { text: [ANSWER], usage: { inputTokens: 30, outputTokens: 5 } } });
    relay = await startRelay(join(dir, 'relay'));
    browser = await launchChromium();
    a = await openDevice(await browser.newContext({ viewport: { width: 1280, height: 800 } }), relay.url, 'Laptop');
    b = await openDevice(await browser.newContext({ viewport: { width: 1280, height: 800 } }), relay.url, 'Phone');
    await createWorkspace(a, 'Attachments');
    await joinWith(b, await createInvite(a), a);
    await addProvider(a, { name: 'local', models: 'gpt-4o-mini', baseUrl: `${fake.url}/v1`, apiKey: KEY });
    await a.page.locator('#default-model').selectOption('local/gpt-4o-mini');
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await fake?.close();
    await relay?.kill();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('refuses a file over 10 MB in the composer, saying so, and keeps what was typed', async () => {
    chat = await newChat(a, 'Pictures');
    await a.page.getByText('up to 10 MB each').first().waitFor();
    await a.page.getByTestId('composer').fill('kept while refusing');
    await a.page.getByTestId('attach-input').setInputFiles({ name: 'huge.png', mimeType: 'image/png', buffer: Buffer.alloc(10 * 1024 * 1024 + 1) });
    await expect.poll(() => a.page.getByTestId('composer-error').textContent()).toContain('huge.png is 10.0 MB; attachments are at most 10 MB each');
    expect(await a.page.getByTestId('composer').inputValue()).toBe('kept while refusing');
    expect(await a.page.getByTestId('composer-file').count()).toBe(0);
    await a.page.getByTestId('composer').fill('');
  });

  it('sends a pasted image in the OpenAI image format and a picked text file into the context', async () => {
    await a.page.getByTestId('composer').focus();
    await a.page.evaluate((bytes) => {
      const dt = new DataTransfer();
      dt.items.add(new File([new Uint8Array(bytes)], 'square.png', { type: 'image/png' }));
      document.querySelector('[data-testid=composer]')!.dispatchEvent(new ClipboardEvent('paste', { clipboardData: dt, bubbles: true, cancelable: true }));
    }, Array.from(png));
    await a.page.getByTestId('attach-input').setInputFiles({ name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from(`Remember: ${TEXT_CANARY}`) });
    await a.page.locator('[data-testid=composer-file][data-status=ready]').nth(1).waitFor();
    const before = Number(await a.page.getByTestId('messages').getAttribute('data-count'));
    await a.page.getByTestId('composer').fill('What is in this picture?');
    await a.page.getByTestId('composer').press('Enter');
    await waitForCount(a, before + 2);
    await a.page.locator('[data-testid=message][data-role=assistant]').filter({ hasText: ANSWER }).waitFor();

    const asked = fake.requests.find((r) => r.images.length > 0);
    expect(asked, 'a request with an image').toBeDefined();
    expect(asked!.images).toEqual([{ format: 'openai-image-url', mime: 'image/png', bytes: png }]);
    const last = (asked!.body as { messages: { role: string; content: unknown }[] }).messages.at(-1)!;
    expect(last.role).toBe('user');
    expect(JSON.stringify(last.content)).toContain(TEXT_CANARY);
    expect(JSON.stringify(last.content)).toContain('What is in this picture?');
    // The sender shows its own attachments too.
    await a.page.locator('[data-testid=message][data-role=user] [data-testid=attachment-image]').waitFor();
  });

  it('shows the image on the second device, fetched and opened there', async () => {
    await openChat(b, chat);
    const img = b.page.locator('[data-testid=message][data-role=user] [data-testid=attachment-image]');
    await img.waitFor();
    await expect.poll(() => img.evaluate((e) => (e as HTMLImageElement).naturalWidth)).toBe(8);
    await b.page.getByTestId('attachment-file').filter({ hasText: 'notes.txt' }).waitFor();
    const cached = await dumpIndexedDb(b.page);
    expect(cached.find((s) => s.store === 'blobs')?.count).toBeGreaterThan(0);
    expect(recordsContaining(cached, IMAGE_CANARY)).toEqual([]);
  });

  it('leaves no attachment bytes in clear in the relay data directory', () => {
    const dataDir = join(dir, 'relay');
    expect(filesContaining(dataDir, png)).toEqual([]);
    expect(filesContaining(dataDir, IMAGE_CANARY)).toEqual([]);
    expect(filesContaining(dataDir, TEXT_CANARY)).toEqual([]);
    // The scan finds what is there: the relay's own database file is found by its SQLite header.
    expect(filesContaining(dataDir, 'SQLite format 3').length).toBeGreaterThan(0);
  });
});
