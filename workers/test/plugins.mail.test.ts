/**
 * The shipped mail plugin against a real Dovecot IMAP server and the real
 * relay: the account and its password are set in the sealed settings with
 * the CLI, the user grants read_email on it by name, and a worker home runs
 * the plugin. Two of three seeded messages hold action items (the fake
 * model says so) and two tasks appear on the user's other device, citing
 * their message ids. No message text reaches the relay's data, the Tasks
 * document or the activity log, and a second run reads nothing new.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scenarioMarker, startFakeProvider, type FakeProvider } from '@tendril/crdt-schema/testkit';
import { runCli } from '../src/cli/main.ts';
import { MAIL_TASKS_ID } from '../src/plugins/builtin.ts';
import { startDovecot, type TestDovecot } from './dovecot-server.ts';
import { cli, cliOk, ROOT, startRelayProcess, tempDir, type RelayProcess } from './harness.ts';
import { makeWorkspace, useProvider, type Workspace } from './peers.ts';

const KEY = 'sk-test-mail-plugin';
const MAIL_PASSWORD = 'alice-imap-secret-4821';

/** Words that appear only in the message bodies: none may leave the worker except to the model. */
const SECRETS = ['PELICAN-7731', 'HERON-4412', 'OSPREY-9920'];

const message = (id: string, subject: string, body: string): string =>
  [`From: Sam Boss <sam@example.com>`, 'To: alice@example.com', `Subject: ${subject}`, `Message-ID: <${id}@example.com>`,
    'Date: Mon, 07 Dec 2026 09:00:00 +0000', 'MIME-Version: 1.0', 'Content-Type: text/plain; charset=utf-8', '', body, ''].join('\n');

/** Every file below `dir`, as bytes. */
function filesBelow(dir: string): Buffer[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesBelow(path) : [readFileSync(path)];
  });
}

describe('mail plugin with a real IMAP server', () => {
  const dir = tempDir('plugin-mail');
  let relay: RelayProcess;
  let fake: FakeProvider;
  let imap: TestDovecot;
  let ws: Workspace;
  let admin = '';
  let workerHome = '';

  const withEnv = async (env: Record<string, string>, ...argv: string[]) => {
    const out: string[] = [];
    const code = await runCli({ argv, env, io: { out: (l) => out.push(l), err: (l) => out.push(l) }, now: () => Date.now(), cwd: ROOT, stopSignal: new Promise(() => {}) });
    if (code !== 0) throw new Error(`tendril ${argv.join(' ')} exited ${code}: ${out.join('\n')}`);
    return out;
  };

  beforeAll(async () => {
    imap = await startDovecot([{ user: 'alice', password: MAIL_PASSWORD }]);
    relay = await startRelayProcess(join(dir.path, 'relay'));
    fake = await startFakeProvider({
      apiKey: KEY,
      scenarios: {
        figures: { text: ['```json\n{"tasks":[{"title":"Send the Q3 figures to finance","priority":"high","due":"2026-12-11"}]}\n```'] },
        plumber: { text: ['{"tasks":[{"title":"Confirm the plumber visit","priority":"normal","due":"2026-12-08"}]}'] },
      },
      fallback: { text: ['{"tasks":[]}'] },
    });
    ws = await makeWorkspace(dir.path, relay.url, 1);
    admin = ws.homes[0]!;
    await useProvider(ws, { baseUrl: `${fake.url}/v1`, apiKey: KEY });
    const link = (await cliOk('invite', '--home', admin, '--role', 'worker')).last;
    workerHome = join(dir.path, 'worker');
    await cliOk('join', '--home', workerHome, link, '--name', 'mail-worker');

    imap.deliver('alice', message('figures', 'Q3 figures', `Hi Alice, please send the Q3 figures to finance by Friday. The sheet password is PELICAN-7731.\n${scenarioMarker('figures')}`));
    imap.deliver('alice', message('news', 'Weekly digest', 'This week in birds: nothing for you to do. Code HERON-4412.'));
    imap.deliver('alice', message('plumber', 'Plumber', `Could you confirm the plumber visit on Tuesday? The door code is OSPREY-9920.\n${scenarioMarker('plumber')}`));
  }, 120_000);

  afterAll(async () => {
    await fake?.close();
    await relay?.kill();
    await imap?.cleanup();
    dir.remove();
  });

  const csv = async (plugin: string) => (await cliOk('plugin', 'log', '--home', ws.homes[1]!, '--plugin', plugin, '--csv')).out;

  it('keeps the account password out of every listing', async () => {
    const set = await withEnv({ MAIL_PW: MAIL_PASSWORD }, 'plugin', 'account', 'set', '--home', admin, 'work', '--kind', 'imap', '--url', imap.url, '--user', 'alice', '--password-env', 'MAIL_PW');
    expect(set[0]).toBe(`account work: imap ${imap.url} as alice, password set`);
    const listed = await cliOk('plugin', 'account', 'list', '--home', ws.homes[1]!, '--json');
    expect(JSON.parse(listed.last)).toEqual([{ name: 'work', kind: 'imap', url: imap.url, user: 'alice', hasPassword: true }]);
    expect([...listed.out, ...set].join('\n')).not.toContain(MAIL_PASSWORD);
  });

  it('refuses to run before the user grants read_email on the account', async () => {
    const installed = await cliOk('plugin', 'install', '--home', admin, 'builtin:mail-tasks');
    expect(installed.last).toBe(MAIL_TASKS_ID);
    expect(installed.out).toContain('  read_email * (dangerous): Reads every new message of each mail account you approve (granted on *: every account in the settings): all its mail, not just some.');
    await cliOk('plugin', 'grant', '--home', admin, 'mail-tasks', 'network', 'model');
    const run = await cli('plugin', 'run', '--home', workerHome, 'mail-tasks');
    expect(run.code).toBe(1);
    expect(run.last).toBe('refused: not granted: read_email');
    expect(fake.requests).toHaveLength(0);
  });

  it('turns the two messages with action items into two tasks linked to their message ids', async () => {
    await cliOk('plugin', 'grant', '--home', admin, 'mail-tasks', 'read_email', 'work');
    const run = await cliOk('plugin', 'run', '--home', workerHome, 'mail-tasks');
    expect(run.last).toBe('ok: read 3 new message(s) in 1 account(s), added 2 task(s)');
    expect(fake.requests).toHaveLength(3);
    expect(fake.requests.map((r) => r.scenario).sort()).toEqual(['default', 'figures', 'plumber']);

    const device = await ws.open(1);
    try {
      const { tasks } = await device.openTasks();
      expect(await device.syncOrQueue(10_000)).toBe('synced');
      const found = tasks.list().map((t) => ({ title: t.title, priority: t.priority, due: t.due, state: t.state, source: t.source }));
      expect(found).toEqual([
        { title: 'Confirm the plumber visit', priority: 'normal', due: Date.UTC(2026, 11, 8, 23, 59), state: 'open', source: { plugin: MAIL_TASKS_ID, kind: 'mail', account: 'work', ref: '<plumber@example.com>' } },
        { title: 'Send the Q3 figures to finance', priority: 'high', due: Date.UTC(2026, 11, 11, 23, 59), state: 'open', source: { plugin: MAIL_TASKS_ID, kind: 'mail', account: 'work', ref: '<figures@example.com>' } },
      ]);
      const doc = JSON.stringify(tasks.toJSON());
      for (const s of SECRETS) expect(doc).not.toContain(s);
    } finally {
      await device.close();
    }

    const rows = await csv('mail-tasks');
    const log = rows.join('\n');
    expect(log).toMatch(/read_email,work,allowed,"?read 3 new message\(s\), UID 1\.\.3/);
    expect(log.match(/,read_email,work,allowed,"?added task /g)).toHaveLength(2);
    for (const s of [...SECRETS, MAIL_PASSWORD, 'please send', 'door code']) expect(log).not.toContain(s);

    const relayFiles = filesBelow(join(dir.path, 'relay'));
    expect(relayFiles.length).toBeGreaterThan(0);
    for (const s of [...SECRETS, MAIL_PASSWORD]) expect(relayFiles.some((f) => f.includes(s))).toBe(false);
  }, 60_000);

  it('lists the tasks on the command line and marks one done for every device', async () => {
    const listed = await cliOk('plugin', 'tasks', 'list', '--home', ws.homes[1]!);
    expect(listed.out.map((l) => l.replace(/^\S+ /, 'ID '))).toEqual([
      'ID [open] due 2026-12-08 Confirm the plumber visit (mail work <plumber@example.com>)',
      'ID [open, high] due 2026-12-11 Send the Q3 figures to finance (mail work <figures@example.com>)',
    ]);
    const id = listed.out[0]!.split(' ')[0]!;
    await cliOk('plugin', 'tasks', 'done', '--home', admin, id);
    expect((await cliOk('plugin', 'tasks', 'list', '--home', ws.homes[1]!)).out).toHaveLength(1);
    expect((await cliOk('plugin', 'tasks', 'list', '--home', ws.homes[1]!, '--all')).out.at(-1)).toMatch(/^\S+ \[done\] due 2026-12-08 Confirm the plumber visit/);
  });

  it('reads nothing on a second run, then only the message that arrived since', async () => {
    const again = await cliOk('plugin', 'run', '--home', workerHome, 'mail-tasks');
    expect(again.last).toBe('ok: read 0 new message(s) in 1 account(s), added 0 task(s)');
    expect(fake.requests).toHaveLength(3);
    expect((await csv('mail-tasks')).at(-1)).toMatch(/,read_email,work,allowed,no new messages,/);

    imap.deliver('alice', message('late', 'Late', 'Nothing to do here either.'));
    const third = await cliOk('plugin', 'run', '--home', workerHome, 'mail-tasks');
    expect(third.last).toBe('ok: read 1 new message(s) in 1 account(s), added 0 task(s)');
    expect(fake.requests).toHaveLength(4);
    expect(JSON.stringify(fake.requests[3]!.body)).toContain('Nothing to do here either.');
  }, 60_000);
});
