/**
 * What the model sees is what the user sees. A real `tendril worker` answers
 * a browser chat through the fake provider, which records every request:
 * after "Save as new version" the request holds only the active branch (not
 * the answer to the old version as well), the old version is behind a "1/2"
 * switcher instead of inline, and switching back changes what the next turn
 * is sent. A message too big to send says so at the composer and stays there.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Locator } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_WRITTEN_MESSAGE_BYTES } from '@tendril/crdt-schema/schema';
import { startFakeProvider, type FakeProvider } from '@tendril/crdt-schema/testkit';
import { confirmPairing, createInvite, createWorkspace, newChat, openDevice, send, transcript, type Device } from './harness/app-driver.ts';
import { ensureAppBuilt, ROOT } from './harness/build-app.ts';
import { launchChromium } from './harness/chromium.ts';
import { startRelay, type Relay } from './harness/relay.ts';
import { shoot } from './harness/screenshots.ts';

function run(args: string[]): ChildProcess {
  return spawn(process.execPath, [join(ROOT, 'workers/bin/tendril.js'), ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, FAKE_KEY: 'sk-fake-e2e' } });
}

function finished(child: ChildProcess): Promise<string> {
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  return new Promise((resolve, reject) => child.once('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`exit ${code}: ${out}`)))));
}

interface SentMessage {
  readonly role: string;
  readonly content: string;
}

describe('chat branches with a real worker', { timeout: 240_000 }, () => {
  let dir: string;
  let relay: Relay;
  let fake: FakeProvider;
  let browser: Browser;
  let worker: ChildProcess | null = null;
  let a: Device;
  const pageErrors: string[] = [];

  /** The conversation the model was sent, in a request made after the first `from`, for the turn whose last user message is `last`. */
  async function sentFor(last: string, from = 0): Promise<SentMessage[]> {
    const find = () =>
      fake.requests
        .slice(from)
        .map((r) => ((r.body as { messages?: SentMessage[] }).messages ?? []).filter((m) => m.role !== 'system'))
        .find((ms) => ms.at(-1)?.role === 'user' && ms.at(-1)?.content === last);
    await expect.poll(find, { timeout: 30_000 }).toBeDefined();
    return find()!.map((m) => ({ role: m.role, content: m.content }));
  }
  /** Waits for a finished reply with this text in the open chat. */
  const replied = (text: string) => a.page.locator('[data-status=done]').filter({ has: a.page.getByTestId('message').filter({ hasText: text }) }).first().waitFor();
  const message = (text: string): Locator => a.page.getByTestId('message').filter({ hasText: text }).first();
  const shown = async (): Promise<string[]> => (await transcript(a)).map((t) => t.replace(/\s+/g, ' '));

  beforeAll(async () => {
    await ensureAppBuilt();
    dir = mkdtempSync(join(tmpdir(), 'tendril-e2e-branch-'));
    relay = await startRelay(join(dir, 'relay'));
    fake = await startFakeProvider({ apiKey: 'sk-fake-e2e', fallback: { text: ['unexpected request'] } });
    browser = await launchChromium();
    a = await openDevice(await browser.newContext({ viewport: { width: 1280, height: 900 } }), relay.url, 'Laptop');
    a.page.on('pageerror', (e) => pageErrors.push(e.message));
    await createWorkspace(a, 'Branches');
    const link = await createInvite(a);
    const joining = finished(run(['join', '--home', join(dir, 'worker'), link, '--name', 'agent']));
    await confirmPairing(a);
    await joining;
    worker = run(['worker', '--home', join(dir, 'worker'), '--provider', 'openai', '--base-url', `${fake.url}/v1`, '--model', 'gpt-4o-mini', '--api-key-env', 'FAKE_KEY']);
    await new Promise<void>((resolve, reject) => {
      let log = '';
      const timer = setTimeout(() => reject(new Error(`the worker did not start:\n${log}`)), 60_000);
      const onData = (d: Buffer) => {
        log += d.toString();
        if (log.includes('answering chats')) {
          clearTimeout(timer);
          resolve();
        }
      };
      worker!.stdout!.on('data', onData);
      worker!.stderr!.on('data', onData);
    });
    await newChat(a, 'Versions');
  }, 300_000);

  afterAll(async () => {
    worker?.kill('SIGKILL');
    await browser?.close();
    await fake?.close();
    await relay?.kill();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('after an edit, the model is sent only the active branch', async () => {
    fake.enqueue({ text: ['answer ', 'one'] });
    await send(a, 'first question');
    await replied('answer one');
    fake.enqueue({ text: ['answer ', 'two'] });
    await send(a, 'second question');
    await replied('answer two');

    fake.enqueue({ text: ['answer ', 'three'] });
    const id = await message('second question').getAttribute('data-id');
    const turn = a.page.locator(`[data-testid=message][data-id="${id}"]`);
    await turn.getByRole('button', { name: 'Edit' }).click();
    await turn.locator('textarea').fill('second question, revised');
    await turn.getByRole('button', { name: 'Save as new version' }).click();
    await replied('answer three');

    expect(await sentFor('second question, revised')).toEqual([
      { role: 'user', content: 'first question' },
      { role: 'assistant', content: 'answer one' },
      { role: 'user', content: 'second question, revised' },
    ]);
    // The old version and its answer are not inline; the new version carries the switcher.
    expect(await shown()).toEqual(['first question', 'answer one', 'second question, revised', 'answer three']);
    await expect.poll(() => message('second question, revised').getByTestId('version-label').textContent()).toBe('2/2');
    await expect.poll(() => message('first question').getByTestId('versions').count()).toBe(0);
    await shoot(a.page, 'chat-branch-edited');

    // A turn written now follows the new version.
    fake.enqueue({ text: ['answer ', 'follow-up'] });
    await send(a, 'a follow-up');
    await replied('answer follow-up');
    expect(await sentFor('a follow-up')).toEqual([
      { role: 'user', content: 'first question' },
      { role: 'assistant', content: 'answer one' },
      { role: 'user', content: 'second question, revised' },
      { role: 'assistant', content: 'answer three' },
      { role: 'user', content: 'a follow-up' },
    ]);
  });

  it('switching versions switches the branch shown and what the next turn is sent', async () => {
    await message('second question, revised').getByRole('button', { name: 'Previous version' }).click();
    await expect.poll(shown).toEqual(['first question', 'answer one', 'second question', 'answer two']);
    expect(await message('second question').getByTestId('version-label').textContent()).toBe('1/2');

    fake.enqueue({ text: ['answer ', 'four'] });
    await send(a, 'third question');
    await replied('answer four');
    expect(await sentFor('third question')).toEqual([
      { role: 'user', content: 'first question' },
      { role: 'assistant', content: 'answer one' },
      { role: 'user', content: 'second question' },
      { role: 'assistant', content: 'answer two' },
      { role: 'user', content: 'third question' },
    ]);

    await message('second question').getByRole('button', { name: 'Next version' }).click();
    await expect.poll(shown).toEqual(['first question', 'answer one', 'second question, revised', 'answer three', 'a follow-up', 'answer follow-up']);
    await shoot(a.page, 'chat-branch-switched');
  });

  it('after Regenerate, the model is sent the turn without the answer it replaces', async () => {
    const from = fake.requests.length;
    fake.enqueue({ text: ['answer ', 'again'] });
    await message('answer one').getByRole('button', { name: 'Regenerate' }).click();
    await replied('answer again');
    expect(await sentFor('first question', from)).toEqual([{ role: 'user', content: 'first question' }]);
    await expect.poll(shown).toEqual(['first question', 'answer again']);
    expect(await message('first question').getByTestId('version-label').textContent()).toBe('2/2');
  });

  it('a message over the size limit says so at the composer and stays there', async () => {
    const before = await shown();
    const big = `start ${'x'.repeat(MAX_WRITTEN_MESSAGE_BYTES)} end`;
    const composer = a.page.getByTestId('composer');
    await composer.fill('');
    await composer.focus();
    await a.page.keyboard.insertText(big); // as a paste arrives: one input of the whole text
    await expect.poll(() => a.page.getByTestId('composer-error').textContent()).toMatch(/too long to send/);
    await composer.press('Enter');
    expect(await a.page.getByTestId('send').isDisabled()).toBe(true);
    expect((await composer.inputValue()).length).toBe(big.length);
    expect(await shown()).toEqual(before);
    await shoot(a.page, 'composer-too-long');

    // Cut down to size, it sends, and the warning goes.
    await composer.fill('a short one');
    await expect.poll(() => a.page.getByTestId('composer-error').count()).toBe(0);
    fake.enqueue({ text: ['answer ', 'short'] });
    await send(a, 'a short one');
    expect(await shown()).toContain('a short one');
    expect(pageErrors).toEqual([]);
  });
});
