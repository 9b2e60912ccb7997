/**
 * Backup and recovery in a real browser against a real relay: create a
 * workspace, set up the recovery phrase (three words asked back), write
 * chats, let the scheduled backup run (the page's clock moved a day on),
 * then, in a fresh browser profile, restore from the relay with the recovery
 * phrase alone (typed; the relay that served the page finds the workspace):
 * every chat is back. An older restore point, restored as a new
 * workspace in another wiped browser, is the older state; the relay's data
 * directory holds no plaintext; a wrong phrase is refused with a clear message,
 * alone and with the workspace id given under "More options".
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as Y from 'yjs';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backupBlobsOver, generateRecoveryPhrase, openBackupReader, readBackupUnits, unitsToContents } from '@tendril/crdt-schema/backup';
import { loadCrypto } from '@tendril/crdt-schema/crypto';
import { parseWorkspaceId } from '@tendril/crdt-schema/ids';
import { chatDoc } from '@tendril/crdt-schema/schema';
import type { WebSocketConstructor } from '@tendril/crdt-schema/sync';
import WebSocket from 'ws';
import { createWorkspace, goto, newChat, openChat, openDevice, send, transcript, waitConnected, type Device } from './harness/app-driver.ts';
import { ensureAppBuilt } from './harness/build-app.ts';
import { launchChromium } from './harness/chromium.ts';
import { deviceSources, printOnFailure } from './harness/on-failure.ts';
import { filesContaining } from './harness/plaintext-scan.ts';
import { startRelay, type Relay } from './harness/relay.ts';

const CANARY = `canary-${Math.random().toString(36).slice(2)}`;

describe('backup and recovery', { timeout: 300_000 }, () => {
  let dataDir: string;
  let relay: Relay;
  let browser: Browser;
  const devices: Device[] = [];
  let phrase = '';
  let workspace = '';
  const chats: { id: string; title: string; lines: string[] }[] = [];

  beforeAll(async () => {
    await ensureAppBuilt();
    dataDir = mkdtempSync(join(tmpdir(), 'tendril-e2e-backup-'));
    relay = await startRelay(dataDir);
    browser = await launchChromium();
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await relay?.kill();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });
  printOnFailure(() => [['relay', () => relay?.log()], ...devices.flatMap(deviceSources)]);

  async function freshDevice(name: string): Promise<Device> {
    const d = await openDevice(await browser.newContext({ viewport: { width: 1280, height: 800 } }), relay.url, name);
    devices.push(d);
    return d;
  }

  it('sets up the phrase, writes chats, backs up on schedule and restores everything into a wiped browser with the phrase alone', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    // The page's clock runs normally from now on, and can be moved a day ahead for the scheduled backup.
    await context.clock.install();
    const a = await openDevice(context, relay.url, 'Laptop');
    devices.push(a);
    await createWorkspace(a, 'Family');

    // Offered right after creation: 12 words shown once with the kit, three of them asked back.
    await a.page.getByTestId('recovery-offer').click();
    await a.page.getByTestId('recovery-start').click();
    const words = await a.page.getByTestId('recovery-word').allTextContents();
    expect(words).toHaveLength(12);
    phrase = words.join(' ');
    const kit = (await a.page.getByTestId('recovery-kit').textContent()) ?? '';
    workspace = /Workspace: (\S+)/.exec(kit)![1]!;
    expect(kit).toContain(`Relay: ${relay.url}`);
    await a.page.getByTestId('recovery-written').click();
    const checks = a.page.getByTestId('recovery-check');
    const positions = await checks.evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-position'))));
    expect(positions).toHaveLength(3);
    // A wrong word is caught before anything is set up.
    await checks.nth(0).fill('zzz');
    for (let i = 1; i < 3; i++) await checks.nth(i).fill(words[positions[i]!]!);
    await a.page.getByTestId('recovery-confirm').click();
    await a.page.getByRole('alert').filter({ hasText: 'do not match' }).waitFor();
    await checks.nth(0).fill(words[positions[0]!]!);
    await a.page.getByTestId('recovery-confirm').click();
    await a.page.getByTestId('recovery-setup').waitFor({ state: 'detached', timeout: 60_000 });

    // The first restore point (made at setup) has no chat; then the chats.
    for (const [title, lines] of [['Recipes', ['Pancakes: flour, eggs, milk', `Secret sauce ${CANARY}`]], ['Trips', ['Lisbon in May']]] as const) {
      const id = await newChat(a, title);
      for (const l of lines) await send(a, l);
      chats.push({ id, title, lines: [...lines] });
    }
    await waitConnected(a);
    await goto(a, '#/settings');
    await a.page.getByTestId('restore-point').first().waitFor({ timeout: 60_000 });
    expect(await a.page.getByTestId('restore-point').count()).toBe(1);

    // A day later the schedule writes the next restore point, with the chats.
    await a.page.clock.fastForward('25:00:00');
    await a.page.getByTestId('restore-point').nth(1).waitFor({ timeout: 120_000 });
    expect(await a.page.getByTestId('restore-point').count()).toBe(2);

    // One more line, backed up by hand: the newest restore point has it, the scheduled one does not.
    await openChat(a, chats[0]!.id);
    await send(a, 'Later line');
    chats[0]!.lines.push('Later line');
    await goto(a, '#/settings');
    await a.page.getByTestId('backup-now').click();
    await a.page.getByTestId('restore-point').nth(2).waitFor({ timeout: 60_000 });

    // The relay holds ciphertext only.
    expect(filesContaining(dataDir, CANARY)).toEqual([]);
    await context.close();

    // A wiped browser: a new profile, with the recovery phrase only.
    const c = await freshDevice('New laptop');
    await c.page.getByRole('button', { name: 'Recover with a recovery phrase' }).click();
    await c.page.getByLabel('Recovery phrase (12 words) or backup passphrase').fill(phrase);
    await c.page.getByTestId('recover-find').click();
    await c.page.getByTestId('recover-point').nth(2).waitFor({ timeout: 60_000 });
    await c.page.getByTestId('recover-restore').click();
    await waitConnected(c);
    for (const chat of chats) {
      await c.page.locator(`a[href="#/chats/${chat.id}"]`).filter({ hasText: chat.title }).waitFor();
      await openChat(c, chat.id);
      const lines = await transcript(c);
      for (const l of chat.lines) expect(lines.some((x) => x.startsWith(l))).toBe(true);
    }
  });

  it('restores an older restore point as it was (a new workspace), in another wiped browser', async () => {
    const d = await freshDevice('Old copy');
    await d.page.getByRole('button', { name: 'Recover with a recovery phrase' }).click();
    await d.page.getByLabel('Recovery phrase (12 words) or backup passphrase').fill(phrase);
    await d.page.getByTestId('recover-find').click();
    // Newest first: the hand-made one, then the scheduled one.
    await d.page.getByTestId('recover-point').nth(1).locator('input').check();
    await d.page.getByTestId('recover-as-copy').check();
    await d.page.getByTestId('recover-restore').click();
    await waitConnected(d);
    await d.page.locator(`a[href="#/chats/${chats[0]!.id}"]`).filter({ hasText: 'Recipes' }).waitFor();
    await openChat(d, chats[0]!.id);
    const lines = await transcript(d);
    for (const l of chats[0]!.lines.filter((x) => x !== 'Later line')) expect(lines.some((x) => x.startsWith(l))).toBe(true);
    expect(lines.some((x) => x.startsWith('Later line'))).toBe(false);
  });

  it('keeps the older state in the older restore point', async () => {
    const crypto = await loadCrypto();
    const reader = await openBackupReader(crypto, {
      relay: relay.url,
      workspace: parseWorkspaceId(workspace),
      secret: phrase,
      WebSocket: WebSocket as unknown as WebSocketConstructor,
      clientName: 'e2e',
      blobsOver: backupBlobsOver,
    });
    try {
      expect(reader.points.length).toBeGreaterThanOrEqual(2);
      const chatsIn = async (i: number) => {
        const contents = unitsToContents(crypto, await readBackupUnits(crypto, reader.blobs, reader.keys, reader.points[i]!));
        return contents.docs.filter((d) => d.scope === 'chat').map((d) => {
          const doc = new Y.Doc();
          Y.applyUpdate(doc, d.state);
          return chatDoc(doc).transcript().map((m) => m.content);
        });
      };
      const oldest = await chatsIn(reader.points.length - 1);
      const newest = await chatsIn(0);
      // The first point (made at setup) has no chat; the scheduled one has the chats but not the later line; the newest has it.
      expect(oldest.flat()).not.toContain(`Secret sauce ${CANARY}`);
      expect((await chatsIn(1)).flat()).toContain(`Secret sauce ${CANARY}`);
      expect((await chatsIn(1)).flat()).not.toContain('Later line');
      expect(newest.flat()).toContain('Later line');
    } finally {
      reader.close();
    }
  });

  it('refuses a wrong phrase with a clear message', async () => {
    const crypto = await loadCrypto();
    const d = await freshDevice('Stranger');
    await d.page.getByRole('button', { name: 'Recover with a recovery phrase' }).click();
    await d.page.getByLabel('Recovery phrase (12 words) or backup passphrase').fill(generateRecoveryPhrase(crypto));
    await d.page.getByTestId('recover-find').click();
    await d.page.getByRole('alert').filter({ hasText: 'this relay knows no workspace for this recovery phrase' }).waitFor({ timeout: 60_000 });
    expect(await d.page.getByRole('alert').textContent()).toContain('E_PASSPHRASE');
    // With the workspace id under "More options", the same wrong phrase opens no backup of it.
    await d.page.getByText('More options (a passphrase, another relay)').click();
    await d.page.getByLabel('Workspace id (from your recovery kit; needed with a passphrase)').fill(workspace);
    await d.page.getByTestId('recover-find').click();
    await d.page.getByRole('alert').filter({ hasText: 'the recovery phrase does not open any backup of this workspace' }).waitFor({ timeout: 60_000 });
    expect(await d.page.getByRole('alert').textContent()).toContain('E_PASSPHRASE');
    expect(await d.page.getByTestId('recover-point').count()).toBe(0);
  });
});
