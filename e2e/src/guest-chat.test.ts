/**
 * A visitor in a fresh browser talks to the owner's agent through a guest
 * link: the owner creates the link from the command line, a worker process
 * answers (fake provider); the visitor's wrong codes are refused and, after
 * repeated ones, slowed down; the right code opens the chat and the reply
 * streams in; the transcript download holds the whole conversation; a second
 * visitor sees none of it; the first comes back the next day (the browser's
 * clock moved) without the code, the agent is sent what they said before, and
 * the transcript then holds both days; after the owner ends the link the
 * visitor's next message is refused.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeProvider, type FakeProvider } from '@tendril/crdt-schema/testkit';
import { ensureAppBuilt, ROOT } from './harness/build-app.ts';
import { launchChromium } from './harness/chromium.ts';
import { startRelay, type Relay } from './harness/relay.ts';

function tendril(args: string[]): Promise<string[]> {
  const child = spawn(process.execPath, [join(ROOT, 'workers/bin/tendril.js'), ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  return new Promise((resolve, reject) => child.once('exit', (code) => (code === 0 ? resolve(out.trim().split('\n')) : reject(new Error(`tendril ${args[0]} exited ${code}: ${err}`)))));
}

describe('guest chat in the browser', { timeout: 240_000 }, () => {
  let dir: string;
  let relay: Relay;
  let fake: FakeProvider;
  let browser: Browser;
  let worker: ChildProcess | null = null;
  let link = '';
  let owner = '';

  beforeAll(async () => {
    await ensureAppBuilt();
    dir = mkdtempSync(join(tmpdir(), 'tendril-e2e-guest-'));
    relay = await startRelay(join(dir, 'relay'));
    fake = await startFakeProvider({ apiKey: 'sk-fake-e2e', fallback: { text: ['Nice to meet you', ', guest.'], chunkDelayMs: 700 } });
    owner = join(dir, 'owner');
    await tendril(['init', '--home', owner, '--relay', relay.url, '--name', 'owner']);
    const invite = (await tendril(['invite', '--home', owner, '--role', 'worker'])).at(-1)!;
    await tendril(['join', '--home', join(dir, 'worker'), invite, '--name', 'w']);
    worker = spawn(process.execPath, [join(ROOT, 'workers/bin/tendril.js'), 'worker', '--home', join(dir, 'worker'), '--no-plugins', '--provider', 'openai', '--base-url', `${fake.url}/v1`, '--model', 'gpt-4o-mini', '--api-key-env', 'FAKE_KEY'], {
      cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, FAKE_KEY: 'sk-fake-e2e' },
    });
    await new Promise<void>((resolve) => {
      let out = '';
      worker!.stdout!.on('data', (d: Buffer) => ((out += d.toString()), out.includes('answering chats') && resolve()));
    });
    link = (await tendril(['guest', 'create', '--home', owner, '--agent', 'Assistant', '--code', '4417'])).at(-1)!;
    browser = await launchChromium();
  }, 300_000);

  afterAll(async () => {
    worker?.kill('SIGKILL');
    await browser?.close();
    await fake?.close();
    await relay?.kill();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const enterCode = async (page: Page, code: string): Promise<void> => {
    await page.getByLabel('Access code').fill(code);
    await page.getByRole('button', { name: 'Start' }).click();
  };

  const say = async (page: Page, text: string): Promise<void> => {
    await page.getByPlaceholder('Write a message').fill(text);
    await page.getByRole('button', { name: 'Send' }).click();
  };

  it('refuses wrong codes, slows down after repeated ones, then chats, downloads, and keeps visitors apart', async () => {
    const a = await browser.newContext();
    const page = await a.newPage();
    await page.goto(link);
    await enterCode(page, '0000');
    await expect.poll(() => page.getByRole('alert').textContent()).toBe('That code is not right.');
    let slowed = '';
    for (let i = 0; i < 8 && !slowed.includes('wait'); i++) {
      await enterCode(page, `000${i}`);
      await expect.poll(async () => (await page.getByRole('alert').textContent()) ?? '').toMatch(/not right/);
      slowed = (await page.getByRole('alert').textContent()) ?? '';
    }
    expect(slowed).toMatch(/Too many tries: wait \d+ s/);
    // The right code during the wait is refused too; after it, it opens the chat.
    await enterCode(page, '4417');
    await expect.poll(async () => (await page.getByRole('alert').textContent()) ?? '').toMatch(/wait/);
    await expect.poll(async () => {
      if (await page.getByPlaceholder('Write a message').count()) return true;
      await enterCode(page, '4417');
      return false;
    }, { timeout: 30_000, interval: 1500 }).toBe(true);

    await say(page, 'my name is Ada');
    // The reply streams: its first piece shows before the whole reply is stored.
    await expect.poll(() => page.locator('li.agent.pending').textContent(), { timeout: 30_000 }).toBe('Nice to meet you');
    await expect.poll(() => page.locator('li.agent:not(.pending)').last().textContent(), { timeout: 30_000 }).toBe('Nice to meet you, guest.');
    const download = page.waitForEvent('download');
    await page.getByRole('button', { name: 'Download transcript' }).click();
    const transcript = readFileSync((await (await download).path())!, 'utf8');
    expect(transcript).toMatch(/You: my name is Ada[\s\S]*Agent: Nice to meet you, guest\./);

    const b = await browser.newContext();
    const other = await b.newPage();
    await other.goto(link);
    await enterCode(other, '4417');
    await other.getByPlaceholder('Write a message').waitFor();
    expect(await other.locator('li').count()).toBe(0);

    // The first visitor comes back the next day: no code, the conversation is there, and the agent is sent it.
    const nextDay = Date.now() + 86_400_000;
    await a.clock.setFixedTime(nextDay);
    const back = await a.newPage();
    await back.goto(link);
    await expect.poll(() => back.locator('li.visitor').first().textContent(), { timeout: 15_000 }).toBe('my name is Ada');
    await say(back, 'what is my name?');
    await expect.poll(() => back.locator('li.agent:not(.pending)').count(), { timeout: 30_000 }).toBe(2);
    const asked = fake.requests.at(-1)!.body as { messages: { role: string; content: string }[] };
    expect(asked.messages.map((m) => m.content)).toContain('my name is Ada');
    const whole = back.waitForEvent('download');
    await back.getByRole('button', { name: 'Download transcript' }).click();
    const both = readFileSync((await (await whole).path())!, 'utf8');
    expect(both).toMatch(/You: my name is Ada[\s\S]*Agent: Nice to meet you, guest\.[\s\S]*You: what is my name\?[\s\S]*Agent: Nice to meet you, guest\./);
    expect(both).toContain(`[${new Date(nextDay).toISOString().slice(0, 10)}`);

    // The owner ends the link: the next message is refused.
    const id = /#([\w-]{22})\./.exec(link)![1]!;
    await tendril(['guest', 'end', '--home', owner, id]);
    await say(back, 'still there?');
    await expect.poll(async () => (await back.getByRole('alert').textContent()) ?? '', { timeout: 15_000 }).toMatch(/closed by its owner/);
  });
});
