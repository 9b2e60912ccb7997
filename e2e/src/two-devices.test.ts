/**
 * Two browser contexts as two devices against a real relay process serving
 * the built app: pairing through an invite link confirmed by its code on the
 * inviting device (and a rejected one that gets no keys), live sync, presence,
 * concurrent offline writes, a reload with no network and no relay, a relay
 * crash mid-writing, no plaintext at rest anywhere, and revocation.
 * The steps run in order and share the devices.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createInvite, createWorkspace, goto, newChat, openChat, openDevice, send, transcript, waitConnected, waitForCount, waitForMessage, type Device } from './harness/app-driver.ts';
import { ensureAppBuilt } from './harness/build-app.ts';
import { launchChromium } from './harness/chromium.ts';
import { dumpIndexedDb, filesContaining, recordsContaining } from './harness/plaintext-scan.ts';
import { startRelay, type Relay } from './harness/relay.ts';
import { shoot } from './harness/screenshots.ts';
import { envelopesOpenableWith, readBackupKeys } from './harness/revocation.ts';

const CANARY = `canary-${Math.random().toString(36).slice(2, 10)}`;
const AFTER_REVOKE = `after-revoke-${CANARY}`;

describe('two devices', { timeout: 120_000 }, () => {
  let dataDir: string;
  let relay: Relay;
  let browser: Browser;
  let a: Device;
  let b: Device;
  let chatId: string;
  const written: string[] = [];

  beforeAll(async () => {
    await ensureAppBuilt();
    dataDir = mkdtempSync(join(tmpdir(), 'tendril-e2e-'));
    relay = await startRelay(dataDir);
    browser = await launchChromium();
    a = await openDevice(await browser.newContext({ viewport: { width: 1280, height: 800 } }), relay.url, 'Laptop');
    b = await openDevice(await browser.newContext({ viewport: { width: 1280, height: 800 } }), relay.url, 'Phone');
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await relay?.kill();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('creates a workspace on one device and pairs the other with an invite link, released only once the inviter confirms the code both show', async () => {
    await createWorkspace(a, `Plans ${CANARY}`);
    // A device whose code the inviter rejects gets no keys.
    const stranger = await openDevice(await browser.newContext({ viewport: { width: 1280, height: 800 } }), relay.url, 'Stranger');
    await stranger.page.goto(await createInvite(a));
    await stranger.page.getByLabel("This device's name").fill(stranger.name);
    await stranger.page.getByRole('button', { name: 'Join workspace' }).click();
    await stranger.page.getByTestId('joiner-pairing-code').waitFor();
    await a.page.getByTestId('inviter-pairing-code').waitFor();
    await a.page.getByRole('button', { name: 'Reject', exact: true }).click();
    await stranger.page.getByRole('alert').filter({ hasText: 'E_PAIRING_REJECTED' }).waitFor();
    await a.page.getByTestId('invite-rejected').waitFor();
    await a.page.getByRole('button', { name: 'Done' }).click();
    await stranger.context.close();

    const link = await createInvite(a);
    expect(link).toMatch(new RegExp(`^${relay.url}/#/join/[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+$`));
    await shoot(a.page, 'invite');
    await b.page.goto(link);
    await b.page.getByLabel("This device's name").fill(b.name);
    await b.page.getByRole('button', { name: 'Join workspace' }).click();
    const code = (await b.page.getByTestId('joiner-pairing-code').textContent())!.replace(/\s/g, '');
    expect(code).toMatch(/^\d{6}$/);
    await b.page.getByText('Confirm on your other device').first().waitFor();
    expect((await a.page.getByTestId('inviter-pairing-code').textContent())!.replace(/\s/g, '')).toBe(code);
    await shoot(a.page, 'pairing-confirm');
    // Nothing arrived before the confirmation: the new device is still waiting, not in the workspace.
    expect(await b.page.locator('[data-testid=status]').count()).toBe(0);
    // By keyboard: the buttons are reachable and labelled.
    await a.page.getByRole('button', { name: 'Confirm', exact: true }).focus();
    await a.page.keyboard.press('Enter');
    await waitConnected(b);
    await a.page.getByTestId('invite-paired').filter({ hasText: 'Phone' }).waitFor();
    await goto(b, '#/devices');
    await b.page.getByTestId('device-row').filter({ hasText: 'Laptop' }).waitFor();
    expect(await b.page.getByTestId('device-row').count()).toBe(2);
  });

  it('shows a chat written on one device on the other, live, and who else is viewing and typing', async () => {
    chatId = await newChat(a, `Trip ${CANARY}`);
    await send(a, `hello from the laptop ${CANARY}`);
    written.push(`hello from the laptop ${CANARY}`);
    await b.page.locator(`a[href="#/chats/${chatId}"]`).waitFor();
    await openChat(b, chatId);
    await waitForMessage(b, `hello from the laptop ${CANARY}`);
    await send(b, 'hello back, **in Markdown** with `code` <img src=x onerror="window.__xss=1">');
    written.push('hello back');
    await waitForMessage(a, 'hello back');
    expect(await a.page.evaluate(() => (window as unknown as { __xss?: number }).__xss)).toBeUndefined();
    expect(await a.page.locator('[data-testid=message] .body img').count()).toBe(0);
    expect(await a.page.locator('[data-testid=message] .body strong').filter({ hasText: 'in Markdown' }).count()).toBe(1);

    await a.page.getByTestId('presence').filter({ hasText: 'Phone' }).waitFor();
    await b.page.getByTestId('composer').pressSequentially('typing', { delay: 20 });
    await a.page.getByTestId('presence').filter({ hasText: 'Phone is typing' }).waitFor();
    await b.page.getByTestId('composer').fill('');
    await shoot(a.page, 'chat');
  });

  it('converges after both devices write while offline: identical transcripts, each message once, in creation order', async () => {
    await a.context.setOffline(true);
    await b.context.setOffline(true);
    await a.page.getByTestId('offline-banner').waitFor();
    await b.page.getByTestId('offline-banner').waitFor();
    for (let i = 1; i <= 3; i++) {
      await send(a, `offline laptop ${i}`);
      await send(b, `offline phone ${i}`);
      written.push(`offline laptop ${i}`, `offline phone ${i}`);
    }
    await a.page.getByTestId('unsaved').waitFor();
    await shoot(a.page, 'offline');
    await a.context.setOffline(false);
    await b.context.setOffline(false);
    await waitConnected(a);
    await waitConnected(b);
    await waitForCount(a, written.length);
    await waitForCount(b, written.length);
    const ta = await transcript(a);
    const tb = await transcript(b);
    expect(ta).toEqual(tb);
    for (const w of written) expect(ta.filter((t) => t.startsWith(w)).length).toBe(1);
    const order = (t: string[], prefix: string) => t.filter((x) => x.startsWith(prefix));
    expect(order(ta, 'offline laptop')).toEqual(['offline laptop 1', 'offline laptop 2', 'offline laptop 3']);
    expect(order(ta, 'offline phone')).toEqual(['offline phone 1', 'offline phone 2', 'offline phone 3']);
    await a.page.getByTestId('unsaved').waitFor({ state: 'detached' });
  });

  it('keeps writing through a relay crash; reloads with no network and no relay from the device alone; nothing is lost', async () => {
    await send(a, 'before the crash');
    written.push('before the crash');
    await waitForMessage(b, 'before the crash');
    await relay.kill('SIGKILL');
    await send(a, 'during the outage 1');
    await send(b, 'during the outage 2');
    written.push('during the outage 1', 'during the outage 2');
    await a.page.locator('[data-testid=status][data-state=off], [data-testid=status][data-state=busy]').waitFor();

    // Reload with the relay down and the network off: the service worker serves the shell, IndexedDB the chats.
    await a.context.setOffline(true);
    await a.page.reload();
    await a.page.getByTestId('offline-banner').waitFor();
    await a.page.locator(`a[href="#/chats/${chatId}"]`).waitFor();
    await openChat(a, chatId);
    await waitForMessage(a, 'during the outage 1');
    await waitForMessage(a, `hello from the laptop ${CANARY}`);
    await shoot(a.page, 'reloaded-offline');
    await a.context.setOffline(false);

    relay = await startRelay(dataDir, relay.port);
    await waitConnected(a);
    await waitConnected(b);
    await waitForCount(a, written.length);
    await waitForCount(b, written.length);
    expect(await transcript(a)).toEqual(await transcript(b));
  });

  it('leaves no plaintext in any relay file or IndexedDB record', async () => {
    // Let debounced state saves land first.
    await a.page.waitForFunction(() => document.querySelector('[data-testid=unsaved]') === null);
    const relayHits = filesContaining(dataDir, CANARY);
    expect(relayHits).toEqual([]);
    for (const d of [a, b]) {
      const dump = await dumpIndexedDb(d.page);
      // Documents are kept as sealed update records (and, once compacted, a sealed state): the scan covers both.
      const held = dump.filter((s) => s.store === 'docs' || s.store === 'updates').reduce((n, s) => n + s.count, 0);
      expect(held).toBeGreaterThan(0);
      expect(recordsContaining(dump, CANARY)).toEqual([]);
      // The scan can fail: the canary is on screen, and the UTF-8 search finds it in a plaintext copy.
      expect(recordsContaining([{ store: 'probe', values: [Buffer.from(`x${CANARY}x`).toString('base64')] }], CANARY)).toEqual(['probe']);
    }
  });

  it('revokes a device: it stops receiving, and its keys cannot open what is written afterwards', async () => {
    // The phone's keys, from a backup it exports itself (so the test can try them on the relay's ciphertext).
    const backup = await readBackupKeys(b.page, 'phone backup passphrase');
    await goto(a, '#/devices');
    a.page.once('dialog', (dlg) => void dlg.accept());
    await a.page.getByRole('button', { name: 'Revoke Phone' }).click();
    await a.page.getByTestId('device-row').filter({ hasText: 'Phone' }).getByText('revoked').waitFor();
    await b.page.getByTestId('revoked-banner').waitFor();
    await shoot(a.page, 'devices-revoked');

    await openChat(a, chatId);
    await send(a, AFTER_REVOKE);
    await waitConnected(a);
    await a.page.getByTestId('unsaved').waitFor({ state: 'detached' });
    // The phone never shows it...
    await openChat(b, chatId);
    await b.page.getByTestId('message').filter({ hasText: 'before the crash' }).first().waitFor();
    expect(await b.page.getByTestId('message').filter({ hasText: AFTER_REVOKE }).count()).toBe(0);
    // ...and its keys open the chat's entries from before the revocation but none sealed after it.
    const result = await envelopesOpenableWith(dataDir, backup);
    expect(result.openedBefore).toBeGreaterThan(0);
    expect(result.after).toBeGreaterThan(0);
    expect(result.openedAfter).toBe(0);
    expect(result.afterCodes).toEqual(['E_UNKNOWN_EPOCH']);
  });
});
