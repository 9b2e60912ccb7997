/**
 * A terminal session in the browser: the app invites a gateway, a real
 * `tendril gateway` process joins from the link and runs a shell; the owner
 * starts a session and types, a second paired device watches the same screen
 * read-only, and a reload restores the screen. The owner then lets the second
 * device type and takes that back; the most recently active writer's window
 * sets the size every viewer shows. A writer uploads a file into the
 * session's folder and downloads it back.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { confirmPairing, createInvite, createWorkspace, goto, joinWith, openDevice, type Device } from './harness/app-driver.ts';
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

function finished(p: ReturnType<typeof run>): Promise<string> {
  return new Promise((resolve, reject) => p.child.once('exit', (code) => (code === 0 ? resolve(p.log()) : reject(new Error(`exit ${code}: ${p.log()}`)))));
}

/** The terminal's visible rows as text (xterm.js renders rows into the DOM). */
function screenText(d: Device): Promise<string> {
  return d.page.locator('[data-testid=terminal] .xterm-rows').innerText();
}

/** The session size the pane shows, as "cols×rows". */
function sizeOf(d: Device): Promise<string> {
  return d.page.getByTestId('term-size').innerText();
}

async function typeLine(d: Device, line: string): Promise<void> {
  await d.page.locator('[data-testid=terminal] .xterm').click();
  await d.page.keyboard.type(line);
  await d.page.keyboard.press('Enter');
}

describe('a terminal session in the browser', { timeout: 240_000 }, () => {
  let dir: string;
  let relay: Relay;
  let browser: Browser;
  let gateway: ReturnType<typeof run> | null = null;
  let a: Device;
  let b: Device;

  beforeAll(async () => {
    await ensureAppBuilt();
    dir = mkdtempSync(join(tmpdir(), 'tendril-e2e-term-'));
    relay = await startRelay(join(dir, 'relay'));
    browser = await launchChromium();
    a = await openDevice(await browser.newContext({ viewport: { width: 1280, height: 800 } }), relay.url, 'Laptop');
    b = await openDevice(await browser.newContext({ viewport: { width: 1280, height: 800 } }), relay.url, 'Phone');
  }, 300_000);

  afterAll(async () => {
    gateway?.child.kill('SIGKILL');
    await browser?.close();
    await relay?.kill();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });
  printOnFailure(() => [['gateway', () => gateway?.log()], ['relay', () => relay?.log()], ...deviceSources(a), ...deviceSources(b)]);

  it('runs what the owner types; a second device watches read-only; a reload restores the screen', async () => {
    await createWorkspace(a, 'Terminals');
    await joinWith(b, await createInvite(a), a);
    await a.page.getByTestId('invite-paired').waitFor();
    await a.page.getByRole('button', { name: 'Done' }).click();
    await a.page.locator('#invite-role').selectOption('gateway');
    await a.page.getByTestId('create-invite').click();
    const link = await a.page.getByTestId('invite-link').inputValue();
    const joining = finished(run(['join', '--home', join(dir, 'gw'), link, '--name', 'gw']));
    await confirmPairing(a);
    await joining;
    mkdirSync(join(dir, 'work'));
    gateway = run(['gateway', '--home', join(dir, 'gw'), '--name', 'gw', '--no-tmux', '--shell', '/bin/sh', '--snapshot-every', '1', '--cwd', join(dir, 'work')]);
    await expect.poll(() => gateway!.log(), { timeout: 30_000 }).toContain(' running');

    await goto(a, '#/terminals');
    // Online from presence (the stored index holds no liveness), with its health, and listed among the agents online.
    const row = a.page.locator('[data-testid=gateway-row][data-online=true]').filter({ hasText: 'gw' });
    await row.waitFor();
    expect(await row.getByTestId('gateway-health').textContent()).toMatch(/^ok, \d+ sessions?$/);
    await a.page.locator('[data-testid=agent-row][data-kind=gateway]').filter({ hasText: 'gw' }).waitFor();
    await a.page.getByTestId('new-session').click();
    await a.page.waitForURL(/#\/terminals\/.+/);
    const hash = new URL(a.page.url()).hash;
    await a.page.locator('[data-testid=session-state]').filter({ hasText: 'running' }).waitFor();
    await a.page.locator('[data-testid=terminal][data-writable=true]').waitFor();

    await goto(b, '#/terminals');
    await b.page.locator(`a[href="${hash}"]`).click();
    await b.page.getByTestId('read-only').waitFor();

    await a.page.locator('[data-testid=terminal] .xterm').click();
    await a.page.keyboard.type('echo canary-$((6*7))');
    await a.page.keyboard.press('Enter');
    await expect.poll(() => screenText(a), { timeout: 20_000 }).toContain('canary-42');
    await expect.poll(() => screenText(b), { timeout: 20_000 }).toContain('canary-42');
    await a.page.getByTestId('watchers').filter({ hasText: 'Phone' }).waitFor();
    await shoot(a.page, 'terminal');

    // A device off the writer list forwards nothing, whatever it types.
    await b.page.locator('[data-testid=terminal] .xterm').click();
    await b.page.keyboard.type('echo phone-$((2+3))');
    await b.page.keyboard.press('Enter');

    // Wait for a stored snapshot to hold the output, then reload.
    await a.page.reload();
    await a.page.locator('[data-testid=terminal]').waitFor();
    await expect.poll(() => screenText(a), { timeout: 20_000 }).toContain('canary-42');
    await shoot(a.page, 'terminal-reloaded');
    expect(await screenText(a)).not.toContain('phone-5');
    expect(gateway.log()).not.toMatch(/input dropped \(not-writer\)/);
  });

  it('lets a device the owner adds type, follows its window size, and refuses it once removed', async () => {
    // Only the owner manages the list; the other device sees it read-only.
    await b.page.getByTestId('writers').filter({ hasText: 'Laptop' }).waitFor();
    expect(await b.page.getByLabel('Add a device that can type').count()).toBe(0);

    await a.page.getByLabel('Add a device that can type').selectOption({ label: 'Phone' });
    await a.page.getByTestId('add-writer').click();
    await a.page.getByTestId('writer').filter({ hasText: 'Phone' }).waitFor();
    await b.page.locator('[data-testid=terminal][data-writable=true]').waitFor();
    await b.page.getByTestId('read-only').waitFor({ state: 'detached' });
    expect(await b.page.getByRole('button', { name: /^Remove / }).count()).toBe(0);

    await typeLine(b, 'echo phone-$((3+4))');
    await expect.poll(() => screenText(b), { timeout: 20_000 }).toContain('phone-7');
    await expect.poll(() => screenText(a), { timeout: 20_000 }).toContain('phone-7');

    // The phone typed last, so the session follows its window; the laptop letterboxes the new size.
    await expect.poll(async () => (await sizeOf(b)) === (await sizeOf(a)), { timeout: 20_000 }).toBe(true);
    const before = await sizeOf(a);
    await b.page.setViewportSize({ width: 900, height: 520 });
    await expect.poll(() => sizeOf(a), { timeout: 20_000 }).not.toBe(before);
    await expect.poll(async () => (await sizeOf(b)) === (await sizeOf(a)), { timeout: 20_000 }).toBe(true);
    await shoot(a.page, 'terminal-letterboxed');

    await a.page.getByRole('button', { name: 'Remove Phone from who can type' }).click();
    await b.page.getByTestId('read-only').waitFor();
    await b.page.locator('[data-testid=terminal][data-writable=false]').waitFor();
    await typeLine(b, 'echo gone-$((4+4))');
    // The owner's next line shows once anything the phone typed would have been run.
    await typeLine(a, 'echo after-$((5+5))');
    await expect.poll(() => screenText(b), { timeout: 20_000 }).toContain('after-10');
    expect(await screenText(a)).not.toContain('gone-8');
    expect(await screenText(b)).not.toContain('gone-8');
    // Typing made the laptop the latest writer again: the session takes its size back, and the
    // phone's smaller window shows it scaled down.
    await expect.poll(() => sizeOf(b), { timeout: 20_000 }).toBe(before);
    await shoot(b.page, 'terminal-scaled-down');
  });

  it('uploads a file into the session folder and downloads it back; replacing one needs consent', async () => {
    const local = join(dir, 'notes.txt');
    const text = `upload-canary-${'x'.repeat(200_000)}-end\n`;
    writeFileSync(local, text);
    await a.page.getByLabel("Upload into the session's folder").setInputFiles(local);
    await a.page.getByTestId('upload-file').click();
    await a.page.getByTestId('transfer-done').filter({ hasText: 'Uploaded notes.txt' }).waitFor({ timeout: 30_000 });
    expect(readFileSync(join(dir, 'work', 'notes.txt'), 'utf8')).toBe(text);
    await typeLine(a, 'wc -c notes.txt');
    await expect.poll(() => screenText(a), { timeout: 20_000 }).toContain(`${text.length} notes.txt`);
    await a.page.getByLabel("Download a file (path in the session's folder)").fill('notes.txt');
    const [download] = await Promise.all([a.page.waitForEvent('download', { timeout: 30_000 }), a.page.getByTestId('download-file').click()]);
    const saved = join(dir, 'downloaded.txt');
    await download.saveAs(saved);
    expect(readFileSync(saved, 'utf8')).toBe(text);
    // Replacing needs the box ticked: without it the gateway refuses and says why.
    await a.page.getByLabel("Upload into the session's folder").setInputFiles(local);
    await a.page.getByTestId('upload-file').click();
    await a.page.getByRole('alert').filter({ hasText: 'E_FILE_EXISTS' }).waitFor({ timeout: 30_000 });
  });
});
