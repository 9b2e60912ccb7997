/**
 * The agent runs a command on a terminal session the user allowed, end to
 * end from the browser: the app invites a gateway and a worker (role worker,
 * which holds no terminal keys), starts a session, and flips "Let the agent
 * run commands here". That hands the worker the session's keys and a signed
 * writer place. A chat turn whose model answer is a `run_command` call then
 * runs on the gateway: the output shows on the owner's terminal and goes
 * back to the model with its exit status. Switching it off takes the writer
 * place back and the tool is no longer offered.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeProvider, type FakeProvider } from '@tendril/crdt-schema/testkit';
import { confirmPairing, createWorkspace, goto, newChat, openChat, openDevice, type Device } from './harness/app-driver.ts';
import { ensureAppBuilt, ROOT } from './harness/build-app.ts';
import { launchChromium } from './harness/chromium.ts';
import { startRelay, type Relay } from './harness/relay.ts';
import { deviceSources, printOnFailure, type Source } from './harness/on-failure.ts';
import { shoot } from './harness/screenshots.ts';

interface Proc {
  readonly child: ChildProcess;
  log(): string;
}

function run(args: string[]): Proc {
  const child = spawn(process.execPath, [join(ROOT, 'workers/bin/tendril.js'), ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, PS1: '$ ', FAKE_KEY: 'sk-fake-agent' } });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  return { child, log: () => out };
}

function finished(p: Proc): Promise<string> {
  return new Promise((resolve, reject) => p.child.once('exit', (code) => (code === 0 ? resolve(p.log()) : reject(new Error(`exit ${code}: ${p.log()}`)))));
}

/** Invites a device of `role` from the app and joins it with the CLI as `name`. */
async function enroll(a: Device, dir: string, role: string, name: string): Promise<void> {
  await goto(a, '#/devices');
  await a.page.locator('#invite-role').selectOption(role);
  await a.page.getByTestId('create-invite').click();
  const link = await a.page.getByTestId('invite-link').inputValue();
  const joining = finished(run(['join', '--home', join(dir, name), link, '--name', name]));
  await confirmPairing(a);
  await joining;
  await a.page.getByRole('button', { name: 'Done' }).click();
}

type Body = { messages: { role: string; content: string | null; tool_call_id?: string }[] };

describe('the agent on a terminal session, from the browser', { timeout: 240_000 }, () => {
  let dir: string;
  let relay: Relay;
  let fake: FakeProvider;
  let browser: Browser;
  const procs: Proc[] = [];
  let a: Device;
  let session = '';

  beforeAll(async () => {
    await ensureAppBuilt();
    dir = mkdtempSync(join(tmpdir(), 'tendril-e2e-agent-term-'));
    relay = await startRelay(join(dir, 'relay'));
    fake = await startFakeProvider({ apiKey: 'sk-fake-agent', fallback: { text: ['unused'] } });
    browser = await launchChromium();
    a = await openDevice(await browser.newContext({ viewport: { width: 1280, height: 800 } }), relay.url, 'Laptop');
  }, 300_000);

  afterAll(async () => {
    for (const p of procs) p.child.kill('SIGKILL');
    await browser?.close();
    await fake?.close();
    await relay?.kill();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });
  printOnFailure(() => [...procs.map((p, i): Source => [`process ${i}`, () => p.log()]), ['relay', () => relay?.log()], ...deviceSources(a)]);

  /** The tool result the model got for a turn whose answer is one run_command call. */
  async function ask(text: string, command: string): Promise<string> {
    const before = fake.requests.length;
    const id = `call_${before}`;
    fake.enqueue({ toolCalls: [{ id, name: 'run_command', arguments: JSON.stringify({ session, command }) }] }, { text: [`Ran it (${before}).`] });
    await a.page.getByTestId('composer').fill(text);
    await a.page.getByTestId('composer').press('Enter');
    await a.page.getByTestId('message').filter({ hasText: `Ran it (${before}).` }).first().waitFor({ timeout: 60_000 });
    const body = fake.requests[before + 1]!.body as Body;
    return body.messages.find((m) => m.role === 'tool' && m.tool_call_id === id)?.content ?? '';
  }

  it('runs the command once the owner lets the agent in, and stops offering it once switched off', async () => {
    await createWorkspace(a, 'Agent terminals');
    await enroll(a, dir, 'gateway', 'gw');
    mkdirSync(join(dir, 'work'));
    const gateway = run(['gateway', '--home', join(dir, 'gw'), '--name', 'gw', '--no-tmux', '--shell', '/bin/sh', '--cwd', join(dir, 'work')]);
    procs.push(gateway);
    await expect.poll(() => gateway.log(), { timeout: 30_000 }).toContain(' running');
    await enroll(a, dir, 'worker', 'agent');
    const worker = run(['worker', '--home', join(dir, 'agent'), '--no-plugins', '--provider', 'openai', '--base-url', `${fake.url}/v1`, '--model', 'gpt-4o-mini', '--api-key-env', 'FAKE_KEY']);
    procs.push(worker);
    await expect.poll(() => worker.log(), { timeout: 30_000 }).toContain('answering chats');

    await goto(a, '#/terminals');
    await a.page.locator('[data-testid=gateway-row][data-online=true]').filter({ hasText: 'gw' }).waitFor();
    await a.page.getByTestId('new-session').click();
    await a.page.waitForURL(/#\/terminals\/.+/);
    await a.page.locator('[data-testid=session-state]').filter({ hasText: 'running' }).waitFor();
    session = (await a.page.getByTestId('terminal-pane').getAttribute('data-session'))!;
    await a.page.getByTestId('agent-access').check();
    await a.page.getByTestId('writer').filter({ hasText: 'agent' }).waitFor({ timeout: 20_000 });
    const terminal = new URL(a.page.url()).hash;

    const chat = await newChat(a, 'Ask the agent');
    expect(await ask('What is six times seven?', 'echo agent-$((6*7))')).toBe('exit code 0\nagent-42\n');
    await a.page.evaluate((hash) => (location.hash = hash), terminal);
    await expect.poll(() => a.page.locator('[data-testid=terminal] .xterm-rows').innerText(), { timeout: 20_000 }).toContain('agent-42');
    await shoot(a.page, 'agent-ran-command');

    await a.page.getByTestId('agent-access').uncheck();
    await a.page.getByTestId('writer').filter({ hasText: 'agent' }).waitFor({ state: 'detached', timeout: 20_000 });
    await openChat(a, chat);
    // The session grant is gone (and with it the agent's only grant), so the model is offered no tool.
    const before = fake.requests.length;
    fake.enqueue({ text: ['No tools now.'] });
    await a.page.getByTestId('composer').fill('Again please');
    await a.page.getByTestId('composer').press('Enter');
    await a.page.getByTestId('message').filter({ hasText: 'No tools now.' }).first().waitFor({ timeout: 60_000 });
    const offered = (fake.requests[before]!.body as { tools?: { function: { name: string } }[] }).tools ?? [];
    expect(offered.map((t) => t.function.name)).not.toContain('run_command');
  });
});
