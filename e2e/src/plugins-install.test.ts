/**
 * Installing and reviewing a plugin in the app, run by a real worker: the
 * app shows a shipped plugin's manifest with its dangerous permission marked,
 * installs a plugin from a manifest file, the user allows one permission and
 * denies the other (optional) one, asks for a run, and a `tendril worker`
 * process runs it: the run shows in the app with its outcome and summary (the
 * allowed read done, the denied fetch refused), and both accesses are in the
 * activity log. A plugin that runs out of memory shows as failed while the
 * worker process keeps running plugins.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newPluginId } from '@tendril/crdt-schema/ids';
import { confirmPairing, createInvite, createWorkspace, goto, openDevice, WAIT_MS, type Device } from './harness/app-driver.ts';
import { ensureAppBuilt, ROOT } from './harness/build-app.ts';
import { launchChromium } from './harness/chromium.ts';
import { startRelay, type Relay } from './harness/relay.ts';
import { shoot } from './harness/screenshots.ts';

function cli(args: string[]): ChildProcess {
  return spawn(process.execPath, [join(ROOT, 'workers/bin/tendril.js'), ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
}

function finished(child: ChildProcess): Promise<string> {
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  return new Promise((resolve, reject) => child.once('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`exit ${code}: ${out}`)))));
}

describe('installing and reviewing a plugin in the app', { timeout: 240_000 }, () => {
  let dir: string;
  let relay: Relay;
  let browser: Browser;
  let worker: ChildProcess | null = null;
  let log = '';
  let a: Device;
  const id = newPluginId();

  beforeAll(async () => {
    await ensureAppBuilt();
    dir = realpathSync(mkdtempSync(join(tmpdir(), 'tendril-e2e-plugins-')));
    relay = await startRelay(join(dir, 'relay'));
    browser = await launchChromium();
    a = await openDevice(await browser.newContext({ viewport: { width: 1280, height: 900 } }), relay.url, 'Laptop');
  }, 300_000);

  afterAll(async () => {
    worker?.kill('SIGKILL');
    await browser?.close();
    await relay?.kill();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('installs a plugin from a manifest file, grants one permission and denies another, and shows the run', async () => {
    // The plugin on the worker's disk: it reads a note (allowed) and tries a fetch (denied).
    const notes = join(dir, 'notes');
    mkdirSync(notes);
    writeFileSync(join(notes, 'today.txt'), 'water the ferns');
    const code = join(dir, 'plugin');
    mkdirSync(code);
    writeFileSync(join(code, 'index.mjs'), `export default async function run(api) {
  const note = (await api.readFile(${JSON.stringify(join(notes, 'today.txt'))})).text;
  let web = 'fetched';
  try { await api.fetch('https://example.com/'); } catch (e) { web = e.code; }
  return 'note: ' + note + '; web: ' + web;
}`);
    const manifestFile = join(dir, 'manifest.json');
    writeFileSync(manifestFile, JSON.stringify({
      id, name: 'Fern reminder', version: '0.3.0', description: 'Reads the day\'s note.', entry: join(code, 'index.mjs'),
      permissions: [
        { kind: 'read-folder', resource: notes, reason: 'to read the note of the day' },
        { kind: 'network', resource: 'example.com', reason: 'to look up the weather', optional: true },
      ],
    }));

    await createWorkspace(a, 'Plugins');
    const joining = finished(cli(['join', '--home', join(dir, 'worker'), await createInvite(a), '--name', 'plugin box']));
    await confirmPairing(a);
    await joining;
    worker = cli(['worker', '--home', join(dir, 'worker'), '--no-tools', '--plugin-memory-mb', '64']);
    worker.stdout!.on('data', (d: Buffer) => (log += d.toString()));
    worker.stderr!.on('data', (d: Buffer) => (log += d.toString()));

    await goto(a, '#/permissions');
    // A shipped plugin's manifest, its browser history permission marked dangerous.
    await a.page.getByLabel('Plugin to install').selectOption({ label: 'Browser history' });
    const preview = a.page.getByTestId('manifest-preview');
    await preview.getByTestId('preview-permission').filter({ hasText: 'read_browser_history' }).getByTestId('dangerous').waitFor();
    expect(await preview.getByTestId('preview-permission').filter({ hasText: 'write-chats' }).getByTestId('dangerous').count()).toBe(0);

    // The plugin from its manifest file: its manifest, then installed, then each permission decided.
    await a.page.getByLabel('Plugin manifest file').setInputFiles(manifestFile);
    await preview.getByText('to read the note of the day').waitFor();
    await preview.getByText('to look up the weather').waitFor();
    await preview.getByRole('button', { name: 'Install Fern reminder' }).click();
    const dialog = a.page.getByRole('dialog', { name: 'Permissions for Fern reminder' });
    await dialog.getByRole('button', { name: `Allow read-folder on ${notes}` }).click();
    await dialog.getByRole('button', { name: 'Deny network on example.com' }).click();
    await shoot(a.page, 'plugin-review');
    await dialog.getByRole('button', { name: 'Done' }).click();
    const card = a.page.locator(`[data-plugin="${id}"]`);
    await card.getByTestId('permission-request').filter({ hasText: 'read-folder' }).getByTestId('decision').filter({ hasText: 'granted' }).waitFor();
    await card.getByTestId('permission-request').filter({ hasText: 'network' }).getByTestId('decision').filter({ hasText: 'denied' }).waitFor();

    // The worker runs it when asked: the allowed read done, the denied (optional) fetch refused.
    await expect.poll(() => log, { timeout: WAIT_MS }).toContain('answering chats');
    await card.getByRole('button', { name: 'Run Fern reminder now' }).click();
    const ok = card.getByTestId('run-row').filter({ hasText: 'note: water the ferns; web: denied' });
    await ok.waitFor({ timeout: WAIT_MS });
    expect(await ok.getAttribute('data-outcome')).toBe('ok');
    expect(await ok.textContent()).toContain('plugin box');
    await a.page.getByTestId('activity-row').filter({ hasText: 'example.com' }).filter({ hasText: 'denied' }).waitFor();
    await a.page.getByTestId('activity-row').filter({ hasText: `${notes}/today.txt` }).waitFor();
    await shoot(a.page, 'plugin-runs');
  });

  it('shows a plugin that runs out of memory as failed, and the worker carries on', async () => {
    const code = join(dir, 'hog');
    mkdirSync(code);
    writeFileSync(join(code, 'index.mjs'), 'export default async function run() { const keep = []; for (;;) keep.push(new Array(1e6).fill(Math.random())); }');
    const manifestFile = join(dir, 'hog.json');
    writeFileSync(manifestFile, JSON.stringify({ id: newPluginId(), name: 'Memory hog', version: '1.0.0', description: '', entry: join(code, 'index.mjs'), permissions: [] }));
    await a.page.getByLabel('Plugin manifest file').setInputFiles(manifestFile);
    await a.page.getByRole('button', { name: 'Install Memory hog' }).click();
    await a.page.getByRole('button', { name: 'Run Memory hog now' }).click();
    const failed = a.page.getByTestId('run-row').filter({ hasText: 'stopped at the memory limit of 64 MB' });
    await failed.waitFor({ timeout: WAIT_MS });
    expect(await failed.getAttribute('data-outcome')).toBe('failed');
    expect(log).toMatch(/Memory hog .*failed: stopped at the memory limit of 64 MB/);
    // Still running, and still running plugins.
    expect(worker!.exitCode).toBeNull();
    const card = a.page.locator(`[data-plugin="${id}"]`);
    await card.getByRole('button', { name: 'Run Fern reminder now' }).click();
    await expect.poll(() => card.getByTestId('run-row').filter({ hasText: 'note: water the ferns' }).count(), { timeout: WAIT_MS }).toBe(2);
  });
});
