/**
 * What the app shows of a gateway and its sessions, against a real relay and a
 * real `tendril gateway`: the gateway's machine figures and connection status
 * from presence; underscores that render (the screen's text and the pixels of
 * the glyph); a phone-sized writer that opens a session without shrinking it
 * for the laptop; the Files panel listing the session folder, downloading with
 * a click and uploading a dropped file; a session whose gateway went away saying so; and a session
 * idle for a day (the browser's clock moved) listed as inactive, its owner told.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
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

function screenText(d: Device): Promise<string> {
  return d.page.locator('[data-testid=terminal] .xterm-rows').innerText();
}

function sizeOf(d: Device): Promise<string> {
  return d.page.getByTestId('term-size').innerText();
}

async function typeLine(d: Device, line: string): Promise<void> {
  await d.page.locator('[data-testid=terminal] .xterm').click();
  await d.page.keyboard.type(line);
  await d.page.keyboard.press('Enter');
}

/** The gateway's uptime in seconds, as the laptop's gateway row carries it (its figures come with every announcement). */
async function uptimeShown(d: Device): Promise<number> {
  const figure = d.page.locator('[data-testid=gateway-figures] [data-figure=uptime]');
  expect(await figure.innerText()).toMatch(/^up \d+ (s|min|h|d)$/);
  return Number(await figure.getAttribute('data-value'));
}

/**
 * Light pixels (a glyph drawn light on the dark terminal) in a screenshot of `clip`, counted per
 * pixel row. The PNG is decoded by the page itself (canvas), so no image library is needed.
 */
async function lightPixelsByRow(page: Page, clip: { x: number; y: number; width: number; height: number }): Promise<number[]> {
  const png = await page.screenshot({ clip });
  return page.evaluate(async (bytes) => {
    // From a Blob, not a data: URL, which the app's content security policy does not let it fetch.
    const img = await createImageBitmap(new Blob([new Uint8Array(bytes)], { type: 'image/png' }));
    const canvas = new OffscreenCanvas(img.width, img.height);
    const ctx = canvas.getContext('2d')!;
    ctx.drawImage(img, 0, 0);
    const d = ctx.getImageData(0, 0, img.width, img.height).data;
    const rows: number[] = [];
    for (let y = 0; y < img.height; y++) {
      let n = 0;
      for (let x = 0; x < img.width; x++) {
        const k = (y * img.width + x) * 4;
        if (d[k]! + d[k + 1]! + d[k + 2]! > 384) n++;
      }
      rows.push(n);
    }
    return rows;
  }, [...png]);
}

describe('a gateway and its sessions as the app shows them', { timeout: 240_000 }, () => {
  let dir: string;
  let relay: Relay;
  let browser: Browser;
  let gateway: ReturnType<typeof run> | null = null;
  let a: Device;
  let phone: Device;
  let hash = '';

  beforeAll(async () => {
    await ensureAppBuilt();
    dir = mkdtempSync(join(tmpdir(), 'tendril-e2e-gwview-'));
    relay = await startRelay(join(dir, 'relay'));
    browser = await launchChromium();
    a = await openDevice(await browser.newContext({ viewport: { width: 1280, height: 800 } }), relay.url, 'Laptop');
    phone = await openDevice(await browser.newContext({ viewport: { width: 390, height: 844 } }), relay.url, 'Phone');
  }, 300_000);

  afterAll(async () => {
    gateway?.child.kill('SIGKILL');
    await browser?.close();
    await relay?.kill();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });
  printOnFailure(() => [['gateway', () => gateway?.log()], ['relay', () => relay?.log()], ...deviceSources(a), ...deviceSources(phone)]);

  it('shows the gateway\'s CPU, memory, disk and uptime with its status', async () => {
    await createWorkspace(a, 'Gateways');
    await joinWith(phone, await createInvite(a), a);
    await a.page.getByTestId('invite-paired').waitFor();
    await a.page.getByRole('button', { name: 'Done' }).click();
    await a.page.locator('#invite-role').selectOption('gateway');
    await a.page.getByTestId('create-invite').click();
    const link = await a.page.getByTestId('invite-link').inputValue();
    const joining = finished(run(['join', '--home', join(dir, 'gw'), link, '--name', 'gw']));
    await confirmPairing(a);
    await joining;
    mkdirSync(join(dir, 'work'));
    gateway = run(['gateway', '--home', join(dir, 'gw'), '--name', 'gw', '--no-tmux', '--shell', '/bin/sh', '--snapshot-every', '1', '--announce-ms', '1000', '--idle-after', '3', '--cwd', join(dir, 'work')]);
    await expect.poll(() => gateway!.log(), { timeout: 30_000 }).toContain(' running');

    await goto(a, '#/terminals');
    const row = a.page.locator('[data-testid=gateway-row][data-online=true]').filter({ hasText: 'gw' });
    await row.waitFor();
    await row.locator('[data-testid=gateway-status][data-status=connected]').filter({ hasText: 'connected' }).waitFor();
    const figures = row.getByTestId('gateway-figures');
    expect(await figures.locator('[data-figure=cpu]').innerText()).toMatch(/^CPU \d+% \(load \d+%\)$/);
    expect(await figures.locator('[data-figure=memory]').innerText()).toMatch(/^memory \d+(\.\d)? [MG]iB of \d+(\.\d)? [MG]iB used$/);
    expect(await figures.locator('[data-figure=disk]').innerText()).toMatch(/^disk \d+(\.\d)? [MG]iB free$/);
    // Refreshed over presence: the uptime moves on by itself.
    const up = await uptimeShown(a);
    await expect.poll(() => uptimeShown(a), { timeout: 20_000 }).toBeGreaterThan(up);
    await shoot(a.page, 'gateway-health');
  });

  it('renders underscores: on the screen\'s text and in the pixels of the glyph row', async () => {
    await a.page.getByTestId('new-session').click();
    await a.page.waitForURL(/#\/terminals\/.+/);
    hash = new URL(a.page.url()).hash;
    await a.page.locator('[data-testid=session-state][data-gateway=connected]').filter({ hasText: /^(running|idle)$/ }).waitFor();
    await a.page.locator('[data-testid=terminal][data-writable=true]').waitFor();
    await typeLine(a, 'echo a_b');
    await expect.poll(() => screenText(a), { timeout: 20_000 }).toMatch(/^a_b$/m);

    // The output line "a_b": its middle cell must hold light pixels (the underscore), in the lower part of the row.
    const rows = a.page.locator('[data-testid=terminal] .xterm-rows > div');
    const texts = await rows.allInnerTexts();
    const at = texts.findIndex((t) => t.replace(/\u00a0/g, ' ').trimEnd() === 'a_b');
    expect(at).toBeGreaterThanOrEqual(0);
    const box = (await rows.nth(at).boundingBox())!;
    const cols = Number((await sizeOf(a)).split('×')[0]);
    const screen = (await a.page.locator('[data-testid=terminal] .xterm-screen').boundingBox())!;
    const cell = screen.width / cols;
    const pixels = await lightPixelsByRow(a.page, { x: box.x + cell, y: box.y, width: cell, height: box.height });
    const lit = pixels.map((n, y) => (n > 0 ? y : -1)).filter((y) => y >= 0);
    expect(lit.length, `light pixel rows in the underscore cell: ${pixels.join(',')}`).toBeGreaterThan(0);
    expect(Math.min(...lit)).toBeGreaterThan(pixels.length / 2);
    // The cell of "a" beside it holds a glyph too, so the crop is where the text is.
    expect((await lightPixelsByRow(a.page, { x: box.x, y: box.y, width: cell, height: box.height })).some((n) => n > 0)).toBe(true);
  });

  it('lets a phone-sized writer open the session without changing the laptop\'s size', async () => {
    // Focus reports on: a window that takes focus answers by itself, which must not count as typing.
    await typeLine(a, "printf '\\033[?1004h'; echo focus-$((1+1))");
    await expect.poll(() => screenText(a), { timeout: 20_000 }).toContain('focus-2');
    await a.page.getByLabel('Add a device that can type').selectOption({ label: 'Phone' });
    await a.page.getByTestId('add-writer').click();
    await a.page.getByTestId('writer').filter({ hasText: 'Phone' }).waitFor();
    const laptopSize = await sizeOf(a);

    // A phone-wide window keeps the navigation behind the menu button.
    await phone.page.getByRole('button', { name: 'Show chats' }).click();
    await goto(phone, '#/terminals');
    await phone.page.locator(`a[href="${hash}"]`).click();
    await phone.page.locator('[data-testid=terminal][data-writable=true]').waitFor();
    await expect.poll(() => screenText(phone), { timeout: 20_000 }).toContain('focus-2');
    await phone.page.locator('[data-testid=terminal] .xterm').click();
    // The phone's window size and its focus report reached the gateway (its automatic reply is logged as dropped)...
    await expect.poll(() => gateway!.log(), { timeout: 20_000 }).toMatch(/input dropped \(auto-reply\)/);
    // ...and the gateway announced twice since, well past its resize debounce: the laptop's size held.
    await goto(a, '#/terminals');
    const seen = await uptimeShown(a);
    await expect.poll(() => uptimeShown(a), { timeout: 20_000 }).toBeGreaterThanOrEqual(seen + 2);
    await a.page.locator(`a[href="${hash}"]`).click();
    await a.page.locator('[data-testid=terminal][data-writable=true]').waitFor();
    await expect.poll(() => screenText(a), { timeout: 20_000 }).toContain('focus-2');
    expect(await sizeOf(a)).toBe(laptopSize);
    expect(await sizeOf(phone)).toBe(laptopSize);
    await shoot(phone.page, 'phone-letterboxed');

    // Typing on the phone makes it the active writer: then the session takes the phone's size.
    await typeLine(phone, 'echo phone-$((3+4))');
    await expect.poll(() => sizeOf(a), { timeout: 20_000 }).not.toBe(laptopSize);
    await expect.poll(async () => (await sizeOf(phone)) === (await sizeOf(a)), { timeout: 20_000 }).toBe(true);
  });

  it('lists the session folder, downloads with a click, and uploads a dropped file', async () => {
    mkdirSync(join(dir, 'work', 'sub'));
    writeFileSync(join(dir, 'work', 'report.txt'), 'report-canary\n');
    await a.page.getByTestId('refresh-files').click();
    const entry = a.page.locator('[data-testid=folder-entry][data-name="report.txt"]');
    await entry.waitFor();
    expect(await entry.getAttribute('data-kind')).toBe('file');
    expect(await entry.innerText()).toContain('14 B');
    await a.page.locator('[data-testid=folder-entry][data-name="sub"][data-kind=dir]').waitFor();
    const [download] = await Promise.all([a.page.waitForEvent('download', { timeout: 30_000 }), entry.getByRole('button').click()]);
    const saved = join(dir, 'report-downloaded.txt');
    await download.saveAs(saved);
    expect(readFileSync(saved, 'utf8')).toBe('report-canary\n');

    // Into the folder shown: open "sub", then drop a file on the panel.
    await a.page.locator('[data-testid=folder-entry][data-name="sub"]').getByRole('button').click();
    await a.page.getByTestId('folder-path').filter({ hasText: '/sub' }).waitFor();
    await a.page.getByTestId('files').evaluate((panel) => {
      const data = new DataTransfer();
      data.items.add(new File(['dropped-canary'], 'dropped.txt', { type: 'text/plain' }));
      panel.dispatchEvent(new DragEvent('drop', { dataTransfer: data, bubbles: true, cancelable: true }));
    });
    await a.page.getByTestId('transfer-done').filter({ hasText: 'Uploaded sub/dropped.txt' }).waitFor({ timeout: 30_000 });
    expect(readFileSync(join(dir, 'work', 'sub', 'dropped.txt'), 'utf8')).toBe('dropped-canary');
    await a.page.locator('[data-testid=folder-entry][data-name="dropped.txt"]').waitFor();
    await shoot(a.page, 'files-listed');
  });

  it('says a session\'s gateway is offline instead of "running"', async () => {
    await a.page.locator('[data-testid=session-state][data-gateway=connected]').waitFor();
    // Quiet for the gateway's idle time (3 s here): it marks the session idle in the index.
    await goto(a, '#/terminals');
    await a.page.locator('[data-testid=session-row][data-state=idle]').waitFor();
    await a.page.locator(`a[href="${hash}"]`).click();
    await a.page.locator('[data-testid=session-state][data-gateway=connected]').waitFor();
    gateway!.child.kill('SIGKILL');
    await a.page.locator('[data-testid=session-state][data-gateway=offline]').filter({ hasText: /^gateway offline since / }).waitFor({ timeout: 30_000 });
    await a.page.getByTestId('gateway-away').filter({ hasText: 'the screen below is the last one it sent' }).waitFor();
    await shoot(a.page, 'session-gateway-offline');
    await goto(a, '#/terminals');
    await a.page.locator('[data-testid=gateway-status][data-status=offline]').filter({ hasText: /^offline since / }).waitFor();
    expect(await a.page.getByTestId('session-row-state').first().innerText()).toMatch(/^gateway offline since /);
  });

  it('moves a session idle for 24 h to "Inactive" and tells its owner, in the app and as a system notification', async () => {
    await a.context.grantPermissions(['notifications'], { origin: relay.url });
    await a.page.evaluate(() => {
      const shown: string[] = [];
      (window as unknown as { shown: string[] }).shown = shown;
      const viaWorker = ServiceWorkerRegistration.prototype.showNotification;
      ServiceWorkerRegistration.prototype.showNotification = function (title: string, o?: NotificationOptions) {
        shown.push(`${title}: ${o?.body ?? ''}`);
        return viaWorker.call(this, title, o);
      };
      const Plain = window.Notification;
      window.Notification = class extends Plain {
        constructor(title: string, o?: NotificationOptions) {
          super(title, o);
          shown.push(`${title}: ${o?.body ?? ''}`);
        }
      } as typeof Notification;
    });
    const row = a.page.locator('[data-testid=session-row]').filter({ has: a.page.locator(`a[href="${hash}"]`) });
    await row.waitFor();
    expect(await a.page.getByTestId('inactive-sessions').count()).toBe(0);
    expect(await a.page.getByTestId('inactive-notice').count()).toBe(0);

    // A day and an hour later on this device's clock: the session has been idle for 24 h.
    await a.page.clock.setSystemTime(Date.now() + 25 * 3_600_000);
    await a.page.getByTestId('inactive-sessions').locator(`a[href="${hash}"]`).waitFor();
    expect(await row.getByTestId('idle-since').innerText()).toMatch(/^idle since /);
    expect(await a.page.getByTestId('session-list').locator(`a[href="${hash}"]`).count()).toBe(0);
    const notice = a.page.getByTestId('inactive-notice');
    await notice.filter({ hasText: '1 terminal session inactive for 24 h' }).waitFor();
    await a.page.waitForFunction(() => (window as unknown as { shown: string[] }).shown.some((n) => n.startsWith('Tendril: inactive terminal sessions: 1 terminal session inactive for 24 h')));
    await shoot(a.page, 'inactive-sessions');
    // Nothing was ended by itself; the owner ends it from the notice.
    expect(await row.getAttribute('data-state')).toBe('idle');
    await notice.getByRole('button', { name: /^End / }).click();
    await notice.waitFor({ state: 'detached' });
    await row.getByTestId('session-row-state').filter({ hasText: '(ending)' }).waitFor();
  });
});
