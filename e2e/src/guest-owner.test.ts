/**
 * The owner's Guests page: the owner (in the app) creates a guest link, a
 * worker of the workspace answers two visitors in other browsers, the owner
 * sees both with their usage and ends the first, whose next message is
 * refused while the second still gets answers.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeProvider, type FakeProvider } from '@tendril/crdt-schema/testkit';
import { confirmPairing, createInvite, createWorkspace, goto, openDevice, type Device } from './harness/app-driver.ts';
import { ensureAppBuilt, ROOT } from './harness/build-app.ts';
import { launchChromium } from './harness/chromium.ts';
import { startRelay, type Relay } from './harness/relay.ts';

function run(args: string[]): ChildProcess {
  return spawn(process.execPath, [join(ROOT, 'workers/bin/tendril.js'), ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, FAKE_KEY: 'sk-fake-e2e' } });
}

describe('the Guests page', { timeout: 240_000 }, () => {
  let dir: string;
  let relay: Relay;
  let fake: FakeProvider;
  let browser: Browser;
  let worker: ChildProcess | null = null;
  let owner: Device;

  beforeAll(async () => {
    await ensureAppBuilt();
    dir = mkdtempSync(join(tmpdir(), 'tendril-e2e-guest-owner-'));
    relay = await startRelay(join(dir, 'relay'));
    fake = await startFakeProvider({ apiKey: 'sk-fake-e2e', fallback: { text: ['At your service.'] } });
    browser = await launchChromium();
    owner = await openDevice(await browser.newContext({ viewport: { width: 1280, height: 800 } }), relay.url, 'Laptop');
  }, 300_000);

  afterAll(async () => {
    worker?.kill('SIGKILL');
    await browser?.close();
    await fake?.close();
    await relay?.kill();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('creates a link, shows both visitors with their usage, and ends the first', async () => {
    await createWorkspace(owner, 'Guests');
    const invite = await createInvite(owner);
    const joining = run(['join', '--home', join(dir, 'worker'), invite, '--name', 'agent']);
    await confirmPairing(owner);
    await new Promise((r) => joining.once('exit', r));
    worker = run(['worker', '--home', join(dir, 'worker'), '--no-plugins', '--provider', 'openai', '--base-url', `${fake.url}/v1`, '--model', 'gpt-4o-mini', '--api-key-env', 'FAKE_KEY']);
    let log = '';
    worker.stdout!.on('data', (d: Buffer) => (log += d.toString()));
    worker.stderr!.on('data', (d: Buffer) => (log += d.toString()));
    await expect.poll(() => log, { timeout: 30_000 }).toContain('answering chats');

    await goto(owner, '#/guests');
    await owner.page.getByLabel('Code').fill('2468');
    await owner.page.getByRole('button', { name: 'Create link' }).click();
    const linkBox = owner.page.getByTestId('guest-link-text');
    await linkBox.waitFor({ timeout: 15_000 });
    const link = await linkBox.inputValue();
    expect(link).toMatch(/\/guest\/#[\w-]{22}\./);

    const visitor = await (await browser.newContext()).newPage();
    await visitor.goto(link);
    await visitor.getByLabel('Access code').fill('2468');
    await visitor.getByRole('button', { name: 'Start' }).click();
    await visitor.getByPlaceholder('Write a message').fill('hello there');
    await visitor.getByRole('button', { name: 'Send' }).click();
    await expect.poll(() => visitor.locator('li.agent:not(.pending)').last().textContent(), { timeout: 30_000 }).toBe('At your service.');

    const second = await (await browser.newContext()).newPage();
    await second.goto(link);
    await second.getByLabel('Access code').fill('2468');
    await second.getByRole('button', { name: 'Start' }).click();
    for (const text of ['hi', 'hello again']) {
      await second.getByPlaceholder('Write a message').fill(text);
      await second.getByRole('button', { name: 'Send' }).click();
      await expect.poll(() => second.locator('li.agent:not(.pending)').count(), { timeout: 30_000 }).toBe(text === 'hi' ? 1 : 2);
    }

    await owner.page.getByRole('button', { name: 'Refresh' }).click();
    const rows = owner.page.getByTestId('guest-visitor');
    await expect.poll(() => rows.count(), { timeout: 15_000 }).toBe(2);
    // Each visitor with its own usage: one message from the first, two from the second.
    await expect.poll(async () => (await rows.locator('td:nth-child(3)').allTextContents()).join(','), { timeout: 15_000 }).toBe('1,2');
    const row = rows.first();
    expect(Number(await row.locator('td').nth(3).textContent())).toBeGreaterThan(0);
    await row.getByRole('button', { name: 'End visitor' }).click();
    await expect.poll(() => row.textContent(), { timeout: 15_000 }).toMatch(/ended$/);
    await visitor.getByPlaceholder('Write a message').fill('are you there?');
    await visitor.getByRole('button', { name: 'Send' }).click();
    await expect.poll(async () => ((await visitor.getByRole('alert').count()) > 0 ? await visitor.getByRole('alert').textContent() : ''), { timeout: 15_000 }).toMatch(/closed by its owner/);
    // The second visitor still talks.
    await second.getByPlaceholder('Write a message').fill('still here');
    await second.getByRole('button', { name: 'Send' }).click();
    await expect.poll(() => second.locator('li.agent:not(.pending)').count(), { timeout: 30_000 }).toBe(3);
  });
});
