/**
 * Who answers a guest: with no worker, the owner's open app answers a
 * visitor (its own provider); with the app and a worker both online, each
 * message is answered once; with neither online the visitor sees that the
 * agent is away (the relay's presence, not a timeout), and a message sent then
 * waits, across a reload of the page, and is answered once a worker starts.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeProvider, type FakeProvider } from '@tendril/crdt-schema/testkit';
import { addProvider, confirmPairing, createInvite, createWorkspace, goto, openDevice, type Device } from './harness/app-driver.ts';
import { ensureAppBuilt, ROOT } from './harness/build-app.ts';
import { launchChromium } from './harness/chromium.ts';
import { startRelay, type Relay } from './harness/relay.ts';

function run(args: string[]): ChildProcess {
  return spawn(process.execPath, [join(ROOT, 'workers/bin/tendril.js'), ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, FAKE_KEY: 'sk-fake-e2e' } });
}

/** The requests a fake provider got for guest turns (the guest note is in their system prompt). */
const guestCalls = (fake: FakeProvider): number =>
  fake.requests.filter((r) => JSON.stringify((r.body as { messages?: unknown }).messages ?? '').includes('guest of the workspace owner')).length;

describe('guest answering by the app and by workers', { timeout: 300_000 }, () => {
  let dir: string;
  let relay: Relay;
  let inTab: FakeProvider;
  let inWorker: FakeProvider;
  let browser: Browser;
  let worker: ChildProcess | null = null;
  let owner: Device;

  beforeAll(async () => {
    await ensureAppBuilt();
    dir = mkdtempSync(join(tmpdir(), 'tendril-e2e-guest-runners-'));
    relay = await startRelay(join(dir, 'relay'));
    // The tab calls its provider from the page: the provider must answer cross-origin requests.
    inTab = await startFakeProvider({ apiKey: 'sk-fake-e2e', cors: true, fallback: { text: ['Answered in the tab.'] } });
    inWorker = await startFakeProvider({ apiKey: 'sk-fake-e2e', fallback: { text: ['Answered by the worker.'] } });
    browser = await launchChromium();
    owner = await openDevice(await browser.newContext({ viewport: { width: 1280, height: 800 } }), relay.url, 'Laptop');
  }, 300_000);

  afterAll(async () => {
    worker?.kill('SIGKILL');
    await browser?.close();
    await inTab?.close();
    await inWorker?.close();
    await relay?.kill();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const startWorker = async (): Promise<void> => {
    worker = run(['worker', '--home', join(dir, 'worker'), '--no-plugins', '--provider', 'openai', '--base-url', `${inWorker.url}/v1`, '--model', 'gpt-4o-mini', '--api-key-env', 'FAKE_KEY']);
    let log = '';
    worker.stdout!.on('data', (d: Buffer) => (log += d.toString()));
    worker.stderr!.on('data', (d: Buffer) => (log += d.toString()));
    await expect.poll(() => log, { timeout: 30_000 }).toContain('answering chats');
  };

  const say = async (page: Page, text: string): Promise<void> => {
    await page.getByPlaceholder('Write a message').fill(text);
    await page.getByRole('button', { name: 'Send' }).click();
  };
  const replies = (page: Page) => page.locator('li.agent:not(.pending)');

  it('is answered by the open app alone, once with a worker too, and waits while nobody is there', async () => {
    await createWorkspace(owner, 'Guests');
    await addProvider(owner, { name: 'local', models: 'gpt-4o-mini', baseUrl: `${inTab.url}/v1`, apiKey: 'sk-fake-e2e' });
    await goto(owner, '#/guests');
    await owner.page.getByLabel('Code').fill('2468');
    await owner.page.getByRole('button', { name: 'Create link' }).click();
    const linkBox = owner.page.getByTestId('guest-link-text');
    await linkBox.waitFor({ timeout: 15_000 });
    const link = await linkBox.inputValue();
    await expect.poll(() => owner.page.getByTestId('guest-link-tools').textContent()).toBe('Guests may use no tools');

    // No worker exists: the app's runner is the one online, so the agent is there and the tab answers.
    const visitor = await (await browser.newContext()).newPage();
    await visitor.goto(link);
    await visitor.getByLabel('Access code').fill('2468');
    await visitor.getByRole('button', { name: 'Start' }).click();
    await visitor.getByPlaceholder('Write a message').waitFor();
    await expect.poll(() => visitor.getByTestId('agent-away').count(), { timeout: 15_000 }).toBe(0);
    await say(visitor, 'hello there');
    await expect.poll(() => replies(visitor).last().textContent(), { timeout: 30_000 }).toBe('Answered in the tab.');
    expect(guestCalls(inTab)).toBe(1);

    // A worker joins: with both online, the next message is answered once.
    const invite = await createInvite(owner);
    const joining = run(['join', '--home', join(dir, 'worker'), invite, '--name', 'agent']);
    await confirmPairing(owner);
    await new Promise((r) => joining.once('exit', r));
    await startWorker();
    await say(visitor, 'and again');
    await expect.poll(() => replies(visitor).count(), { timeout: 30_000 }).toBe(2);
    expect(guestCalls(inTab) + guestCalls(inWorker)).toBe(2);
    await say(visitor, 'once more');
    await expect.poll(() => replies(visitor).count(), { timeout: 30_000 }).toBe(3);
    expect(guestCalls(inTab) + guestCalls(inWorker)).toBe(3);

    // Nobody online: the visitor is told at once, and a message sent now waits for a runner.
    worker!.kill('SIGKILL');
    await owner.page.context().close();
    await expect.poll(() => visitor.getByTestId('agent-away').count(), { timeout: 30_000 }).toBe(1);
    await say(visitor, 'anyone there?');
    await expect.poll(() => visitor.locator('li.visitor').last().textContent(), { timeout: 15_000 }).toBe('anyone there?');
    // The visitor comes back later (the page reloaded): the message is still waiting, and says why.
    await visitor.reload();
    await expect.poll(() => visitor.locator('li.agent.pending').textContent(), { timeout: 15_000 }).toBe('The agent is away; your message waits for it.');
    const before = guestCalls(inWorker);
    await startWorker();
    await expect.poll(() => visitor.getByTestId('agent-away').count(), { timeout: 30_000 }).toBe(0);
    await expect.poll(() => replies(visitor).count(), { timeout: 30_000 }).toBe(4);
    expect(await replies(visitor).last().textContent()).toBe('Answered by the worker.');
    expect(guestCalls(inWorker)).toBe(before + 1);
  });
});
