/**
 * A real agent worker answers in the browser: the app creates a workspace,
 * a `tendril worker` process joins it from an invite link and calls the fake
 * provider (OpenAI streaming format), and the reply streams into the chat the
 * browser has open, piece by piece, until it is done.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeProvider, type FakeProvider } from '@tendril/crdt-schema/testkit';
import { confirmPairing, createInvite, createWorkspace, newChat, openDevice, send, type Device } from './harness/app-driver.ts';
import { ensureAppBuilt, ROOT } from './harness/build-app.ts';
import { launchChromium } from './harness/chromium.ts';
import { startRelay, type Relay } from './harness/relay.ts';
import { shoot } from './harness/screenshots.ts';

const PIECES = Array.from({ length: 30 }, (_, i) => `word${i} `);

function run(args: string[]): ChildProcess {
  return spawn(process.execPath, [join(ROOT, 'workers/bin/tendril.js'), ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, FAKE_KEY: 'sk-fake-e2e' } });
}

function finished(child: ChildProcess): Promise<string> {
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  return new Promise((resolve, reject) => child.once('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`exit ${code}: ${out}`)))));
}

describe('a worker reply in the browser', { timeout: 180_000 }, () => {
  let dir: string;
  let relay: Relay;
  let fake: FakeProvider;
  let browser: Browser;
  let worker: ChildProcess | null = null;
  let a: Device;

  beforeAll(async () => {
    await ensureAppBuilt();
    dir = mkdtempSync(join(tmpdir(), 'tendril-e2e-worker-'));
    relay = await startRelay(join(dir, 'relay'));
    fake = await startFakeProvider({ apiKey: 'sk-fake-e2e', fallback: { text: PIECES, chunkDelayMs: 60 } });
    browser = await launchChromium();
    a = await openDevice(await browser.newContext({ viewport: { width: 1280, height: 800 } }), relay.url, 'Laptop');
  }, 300_000);

  afterAll(async () => {
    worker?.kill('SIGKILL');
    await browser?.close();
    await fake?.close();
    await relay?.kill();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('streams the reply into the open chat', async () => {
    await createWorkspace(a, 'Agents');
    const link = await createInvite(a);
    const joining = finished(run(['join', '--home', join(dir, 'worker'), link, '--name', 'agent']));
    await confirmPairing(a);
    await joining;
    worker = run(['worker', '--home', join(dir, 'worker'), '--provider', 'openai', '--base-url', `${fake.url}/v1`, '--model', 'gpt-4o-mini', '--api-key-env', 'FAKE_KEY']);
    let log = '';
    worker.stdout!.on('data', (d: Buffer) => (log += d.toString()));
    worker.stderr!.on('data', (d: Buffer) => (log += d.toString()));
    await expect.poll(() => log, { timeout: 30_000 }).toContain('answering chats');

    await newChat(a, 'Ask the agent');
    await send(a, 'Please count for me');
    const reply = a.page.getByTestId('message').filter({ hasText: 'word0' }).first();
    await reply.waitFor({ timeout: 30_000 });
    // Seen mid-stream: the first words are there before the last one arrived.
    const partial = (await reply.textContent()) ?? '';
    expect(partial).toContain('word0');
    expect(partial).not.toContain('word29');
    await shoot(a.page, 'worker-reply-streaming');
    await a.page.getByTestId('message').filter({ hasText: 'word29' }).first().waitFor({ timeout: 30_000 });
    const text = (await a.page.getByTestId('message').filter({ hasText: 'word29' }).first().textContent()) ?? '';
    expect(text.replace(/\s+/g, ' ')).toContain(PIECES.join('').trim());
    expect(fake.requests.filter((r) => JSON.stringify(r.body).includes('Please count for me'))).toHaveLength(1);
  });
});
