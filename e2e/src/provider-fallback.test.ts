/**
 * A fallback chain's failure as the user reads it. Two providers are set up
 * in the app's settings: the first refuses its key, the second is not
 * reachable at all. A real `tendril worker` (provider chain from the
 * settings) answers a chat, and the failed reply leads with the first
 * provider and why (the refused key), with the unreachable backup after it,
 * rather than the backup's network error first.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeProvider, type FakeProvider } from '@tendril/crdt-schema/testkit';
import { confirmPairing, createInvite, createWorkspace, goto, newChat, openDevice, send, type Device } from './harness/app-driver.ts';
import { ensureAppBuilt, ROOT } from './harness/build-app.ts';
import { launchChromium } from './harness/chromium.ts';
import { startRelay, type Relay } from './harness/relay.ts';
import { shoot } from './harness/screenshots.ts';

function run(args: string[]): ChildProcess {
  return spawn(process.execPath, [join(ROOT, 'workers/bin/tendril.js'), ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
}

function finished(child: ChildProcess): Promise<string> {
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  return new Promise((resolve, reject) => child.once('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`exit ${code}: ${out}`)))));
}

function started(child: ChildProcess, line: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    let log = '';
    const timer = setTimeout(() => reject(new Error(`the worker did not start:\n${log}`)), 60_000);
    const onData = (d: Buffer) => {
      log += d.toString();
      if (log.includes(line)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
  });
}

describe('a fallback chain that fails, in the browser', { timeout: 240_000 }, () => {
  let dir: string;
  let relay: Relay;
  let fake: FakeProvider;
  let gone: FakeProvider;
  let browser: Browser;
  let worker: ChildProcess | null = null;
  let a: Device;

  beforeAll(async () => {
    await ensureAppBuilt();
    dir = mkdtempSync(join(tmpdir(), 'tendril-e2e-fallback-'));
    relay = await startRelay(join(dir, 'relay'));
    fake = await startFakeProvider({ apiKey: 'sk-the-right-key', fallback: { text: ['never sent'] } });
    gone = await startFakeProvider({});
    await gone.close(); // its port is now closed: the backup is unreachable
    browser = await launchChromium();
    a = await openDevice(await browser.newContext({ viewport: { width: 1280, height: 900 } }), relay.url, 'Laptop');
  }, 300_000);

  afterAll(async () => {
    worker?.kill('SIGKILL');
    await browser?.close();
    await fake?.close();
    await relay?.kill();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function addProvider(name: string, baseUrl: string, key: string): Promise<void> {
    const form = a.page.getByRole('form', { name: 'Add a provider' });
    await form.getByLabel('Kind', { exact: true }).selectOption('openai');
    await form.getByLabel('Name').fill(name);
    await form.getByLabel('Models (comma-separated)').fill('gpt-4o-mini');
    await form.getByLabel('Base URL (optional)').fill(baseUrl);
    await form.getByTestId('api-key-input').fill(key);
    await form.getByRole('button', { name: 'Add provider' }).click();
    await a.page.getByTestId('providers').getByText(name, { exact: true }).first().waitFor();
  }

  it('the failed reply leads with the first provider and why', async () => {
    await createWorkspace(a, 'Fallback');
    await goto(a, '#/settings');
    await addProvider('primary', `${fake.url}/v1`, 'sk-a-wrong-key-0000');
    await addProvider('secondary', `${gone.url}/v1`, 'sk-another-key-0000');

    const link = await createInvite(a);
    const joining = finished(run(['join', '--home', join(dir, 'worker'), link, '--name', 'agent']));
    await confirmPairing(a);
    await joining;
    worker = run(['worker', '--home', join(dir, 'worker'), '--no-plugins']);
    await started(worker, 'answering chats');
    // The tab answers a turn itself when it knows of no worker online: let it hear the worker first.
    await a.page.getByTestId('agents-online').locator('[data-testid=agent-row][data-kind=worker]').waitFor({ timeout: 30_000 });

    await newChat(a, 'Who failed?');
    await send(a, 'hello?');
    // The reply carries the failure (the turn it answers is marked failed too).
    const failure = a.page.locator('[data-testid=message][data-role=assistant]').getByTestId('reply-error');
    await failure.waitFor({ timeout: 60_000 });
    await expect.poll(() => failure.locator('.lead').textContent()).toMatch(/^primary: .*(API key|401)/);
    expect(await failure.locator('code').textContent()).toBe('E_PROVIDER_AUTH');
    expect(await failure.locator('li').allTextContents()).toEqual([expect.stringMatching(/^secondary: /)]);
    expect(fake.requests.length).toBeGreaterThan(0);
    await shoot(a.page, 'fallback-failure');
  });
});
