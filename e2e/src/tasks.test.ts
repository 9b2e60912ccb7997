/**
 * The Tasks page: tasks a worker wrote (here a headless device joined like a
 * worker, writing as the mail plugin would) show in the app with their
 * source link and no message text, and marking one done in the app reaches
 * the other device. A mail account set in Settings reaches that device with
 * its password, which the page never shows again.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PluginId } from '@tendril/crdt-schema/ids';
import type { TasksDoc } from '@tendril/crdt-schema/schema';
import type { WorkspaceSession } from '@tendril/crdt-schema/workspace';
import { confirmPairing, createInvite, createWorkspace, goto, openDevice, WAIT_MS, type Device } from './harness/app-driver.ts';
import { ensureAppBuilt } from './harness/build-app.ts';
import { launchChromium } from './harness/chromium.ts';
import { joinAsNodeDevice } from './harness/node-device.ts';
import { startRelay, type Relay } from './harness/relay.ts';

const MAIL = 'mail-tasks-builtin-v01' as PluginId;

describe('tasks in the app', { timeout: 240_000 }, () => {
  let dir: string;
  let relay: Relay;
  let browser: Browser;
  let a: Device;
  let node: WorkspaceSession | undefined;

  beforeAll(async () => {
    await ensureAppBuilt();
    dir = mkdtempSync(join(tmpdir(), 'tendril-e2e-tasks-'));
    relay = await startRelay(join(dir, 'relay'));
    browser = await launchChromium();
    a = await openDevice(await browser.newContext({ viewport: { width: 1280, height: 800 } }), relay.url, 'Laptop');
  }, 300_000);

  afterAll(async () => {
    await node?.close();
    await browser?.close();
    await relay?.kill();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('shows the tasks another device wrote with their source, and a Mark done reaches it', async () => {
    await createWorkspace(a, 'Tasks');
    node = await joinAsNodeDevice(await createInvite(a), 'Mail box', (code) => confirmPairing(a, code));
    const tasks: TasksDoc = (await node.openTasks()).tasks;
    const by = node.home.identity.deviceId;
    const figures = tasks.add({ title: 'Send the Q3 figures to finance', priority: 'high', due: Date.UTC(2030, 0, 11, 23, 59), source: { plugin: MAIL, kind: 'mail', account: 'work', ref: '<figures@example.com>' } }, by).task;
    tasks.add({ title: 'Confirm the plumber visit', source: { plugin: MAIL, kind: 'mail', account: 'work', ref: '<plumber@example.com>' } }, by);
    expect(await node.syncOrQueue(20_000)).toBe('synced');

    await goto(a, '#/tasks');
    const open = a.page.getByTestId('tasks-open');
    const item = open.locator(`[data-task="${figures.id}"]`);
    await item.waitFor({ timeout: WAIT_MS });
    expect(await item.getByTestId('task-source').textContent()).toBe('Mail · work · <figures@example.com>');
    expect(await open.getByTestId('task').count()).toBe(2);

    await item.getByTestId('task-done').click();
    await a.page.getByTestId('tasks-done').locator(`[data-task="${figures.id}"]`).waitFor({ timeout: WAIT_MS });
    const deadline = Date.now() + WAIT_MS;
    while (tasks.get(figures.id)?.state !== 'done') {
      if (Date.now() > deadline) throw new Error('the done mark did not reach the other device');
      await new Promise((r) => setTimeout(r, 50));
    }
    // Marked by the browser's device, not by this one.
    expect(tasks.get(figures.id)?.doneBy).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(tasks.get(figures.id)?.doneBy).not.toBe(by);
  });

  it('sets a mail account with its password in Settings; the page never shows the password, a worker can use it', async () => {
    const password = 'imap-e2e-secret-9034';
    await goto(a, '#/settings');
    await a.page.getByTestId('account-name').fill('work');
    await a.page.getByTestId('account-url').fill('imaps://mail.example.com:993');
    await a.page.getByTestId('account-user').fill('me@example.com');
    await a.page.getByTestId('account-password').fill(password);
    await a.page.getByTestId('account-save').click();
    const row = a.page.getByTestId('accounts').locator('[data-account="work"]');
    await row.waitFor({ timeout: WAIT_MS });
    expect(await row.textContent()).toContain('me@example.com · password set');
    expect(await a.page.getByTestId('account-password').inputValue()).toBe('');
    expect(await a.page.content()).not.toContain(password);

    const { settings } = await node!.openSettings();
    const deadline = Date.now() + WAIT_MS;
    while (settings.accounts.credentials('work')?.password !== password) {
      if (Date.now() > deadline) throw new Error('the account did not reach the other device');
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(settings.accounts.get('work')).toEqual({ name: 'work', kind: 'imap', url: 'imaps://mail.example.com:993', user: 'me@example.com', hasPassword: true });
  });
});
