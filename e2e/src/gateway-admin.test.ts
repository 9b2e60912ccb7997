/**
 * Gateway administration in the browser, against a real gateway process with
 * `--authorized-keys` on a temp file and a `--support-key`: the admin opens
 * the gateway's SSH keys panel, adds a key (one line appears in the file),
 * grants support access and ends it early (the file is as it was), and
 * starts an agent session in a chosen folder, which then holds AGENTS.md
 * with the agent and notes chosen, listed with its agent and folder; a
 * session in a folder that does not exist shows the gateway's reason.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ed25519Line } from '../../gateway/src/host/test-keys.ts';
import { confirmPairing, createWorkspace, goto, openDevice, type Device } from './harness/app-driver.ts';
import { ensureAppBuilt, ROOT } from './harness/build-app.ts';
import { launchChromium } from './harness/chromium.ts';
import { startRelay, type Relay } from './harness/relay.ts';
import { deviceSources, printOnFailure } from './harness/on-failure.ts';
import { shoot } from './harness/screenshots.ts';

function run(args: string[]): { child: ChildProcess; log: () => string } {
  const child = spawn(process.execPath, [join(ROOT, 'workers/bin/tendril.js'), ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, PS1: '$ ' } });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  return { child, log: () => out };
}

describe('gateway administration in the browser', { timeout: 240_000 }, () => {
  let dir: string;
  let relay: Relay;
  let browser: Browser;
  let gateway: ReturnType<typeof run> | null = null;
  let a: Device;
  let keysFile = '';
  const userFile = `# mine\n${ed25519Line('me@laptop')}\n`;

  beforeAll(async () => {
    await ensureAppBuilt();
    dir = mkdtempSync(join(tmpdir(), 'tendril-e2e-gwadmin-'));
    relay = await startRelay(join(dir, 'relay'));
    browser = await launchChromium();
    a = await openDevice(await browser.newContext({ viewport: { width: 1280, height: 900 } }), relay.url, 'Laptop');
  }, 300_000);

  afterAll(async () => {
    gateway?.child.kill('SIGKILL');
    await browser?.close();
    await relay?.kill();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });
  printOnFailure(() => [['gateway', () => gateway?.log()], ['relay', () => relay?.log()], ...deviceSources(a)]);

  it('adds a key, grants and ends support access, and starts an agent session with its instruction file', async () => {
    await createWorkspace(a, 'Admin');
    await goto(a, '#/devices');
    await a.page.locator('#invite-role').selectOption('gateway');
    await a.page.getByTestId('create-invite').click();
    const link = await a.page.getByTestId('invite-link').inputValue();
    const join_ = run(['join', '--home', join(dir, 'gw'), link, '--name', 'gw']);
    const joined = new Promise<void>((resolve, reject) => join_.child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(join_.log())))));
    await confirmPairing(a);
    await joined;
    keysFile = join(dir, 'authorized_keys');
    writeFileSync(keysFile, userFile, { mode: 0o600 });
    gateway = run(['gateway', '--home', join(dir, 'gw'), '--name', 'gw', '--no-tmux', '--shell', '/bin/sh', '--cwd', dir,
      '--authorized-keys', keysFile, '--support-key', ed25519Line('vendor')]);
    await expect.poll(() => gateway!.log(), { timeout: 30_000 }).toContain(' running');

    await goto(a, '#/terminals');
    const row = a.page.locator('[data-testid=gateway-row]').filter({ hasText: 'gw' });
    await row.getByText('SSH keys', { exact: true }).click();
    const panel = row.getByTestId('gateway-ssh');
    const key = ed25519Line('laptop');
    await panel.getByLabel('Public key').fill(key);
    await panel.getByLabel('Label').fill('work laptop');
    await panel.getByTestId('ssh-add').click();
    await panel.getByTestId('ssh-key').filter({ hasText: 'work laptop' }).waitFor();
    const lines = readFileSync(keysFile, 'utf8').slice(userFile.length).split('\n');
    expect(lines).toEqual([expect.stringContaining(`${key.split(' ')[1]} work laptop tendril:`), '']);

    await panel.getByTestId('ssh-support').click();
    await panel.locator('[data-testid=ssh-key][data-support=true]').waitFor();
    expect(readFileSync(keysFile, 'utf8')).toMatch(/vendor tendril:\S+:\d+:support\n$/);
    await shoot(a.page, 'gateway-ssh-keys');
    await panel.getByRole('button', { name: 'End support access' }).click();
    await panel.locator('[data-testid=ssh-key][data-support=true]').waitFor({ state: 'detached' });
    await panel.getByRole('button', { name: 'Revoke' }).click();
    await panel.getByTestId('ssh-key').first().waitFor({ state: 'detached' });
    expect(readFileSync(keysFile, 'utf8')).toBe(userFile);

    const folder = join(dir, 'project');
    mkdirSync(folder);
    await a.page.getByTestId('session-cwd').fill(folder);
    await a.page.getByTestId('session-agent').selectOption('claude');
    await a.page.getByTestId('session-notes').fill('Keep answers short.');
    await a.page.getByTestId('new-session').click();
    await a.page.waitForURL(/#\/terminals\/.+/);
    await expect.poll(() => existsSync(join(folder, 'AGENTS.md')), { timeout: 20_000 }).toBe(true);
    const text = readFileSync(join(folder, 'AGENTS.md'), 'utf8');
    expect(text).toMatch(/^# Instructions for Claude Code/);
    expect(text).toContain('Keep answers short.');
    await goto(a, '#/terminals');
    await a.page.getByTestId('session-row').filter({ hasText: `Claude Code · ${folder}` }).waitFor();
    await shoot(a.page, 'gateway-agent-session');

    // A start the gateway refuses says why, on the session's page and in the list.
    await a.page.getByTestId('session-cwd').fill(join(dir, 'no-such-folder'));
    await a.page.getByTestId('session-agent').selectOption('shell');
    await a.page.getByTestId('new-session').click();
    await a.page.waitForURL(/#\/terminals\/.+/);
    await a.page.getByTestId('session-failure').filter({ hasText: /no-such-folder does not exist \(E_SPAWN_FAILED\)/ }).waitFor();
    await shoot(a.page, 'gateway-start-failure');
    await goto(a, '#/terminals');
    await a.page.getByTestId('session-row').filter({ hasText: 'no-such-folder' }).getByTestId('session-failure').waitFor();
  });
});
