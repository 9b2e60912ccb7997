/**
 * The mail host ops against a real Dovecot, with a plugin written here:
 * a grant on one account reads that account only (another is refused and
 * the refusal logged, before any connection), a task may cite only an
 * account the plugin may read and a message id read in the run, the password never crosses into the plugin
 * thread, a task that quotes the message is refused, a wrong password is
 * an error in the log without the password,
 * and reading leaves the messages unread on the server (read-only mailbox,
 * body parts fetched with PEEK).
 */
import { ImapFlow } from 'imapflow';
import * as Y from 'yjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { settingsDoc, tasksDoc } from '@tendril/crdt-schema/schema';
import { RunStatus } from '../src/plugins/plugin-runner.ts';
import { startDovecot, type TestDovecot } from './dovecot-server.ts';
import { pluginWorld } from './plugins.fixtures.ts';

const PASSWORD = 'bob-imap-secret-7391';

const PROBE = `
export default async function run(api) {
  const out = [];
  const got = await api.readMail('work');
  out.push('work:' + got.messages.map((m) => m.subject + '|' + m.messageId + '|' + m.text.trim()).join(','));
  for (const [what, call] of [
    ['other', () => api.readMail('other')],
    ['task-other', () => api.addTask({ title: 'x', source: { kind: 'mail', account: 'other', ref: '<a@b>' } })],
    ['task-made-up', () => api.addTask({ title: 'Reply to Bob', source: { kind: 'mail', account: 'work', ref: 'the whole body could go here' } })],
    ['task-work', () => api.addTask({ title: 'Reply to Bob', priority: 'high', source: { kind: 'mail', account: 'work', ref: got.messages[0].messageId } })],
  ]) {
    try { const r = await call(); out.push(what + ':ok:' + JSON.stringify(r.added ?? r.messages?.length)); }
    catch (e) { out.push(what + ':' + e.code); }
  }
  return out.join(' ; ');
}`;

describe('mail host ops', () => {
  const w = pluginWorld('mail-host');
  const settings = settingsDoc(new Y.Doc());
  const tasks = tasksDoc(new Y.Doc());
  const crossed: string[] = [];
  let imap: TestDovecot;

  beforeAll(async () => {
    imap = await startDovecot([{ user: 'bob', password: PASSWORD }, { user: 'carol', password: 'carol-pass' }]);
    imap.deliver('bob', ['From: ann@example.com', 'Subject: Hello', 'Message-ID: <hello@example.com>', 'Content-Type: text/plain', '', 'Can you reply today? I need the signed lease back before the agent closes the office.', ''].join('\n'));
    imap.deliver('carol', ['From: ann@example.com', 'Subject: Carol only', 'Message-ID: <carol@example.com>', '', 'Private to Carol.', ''].join('\n'));
    settings.accounts.set({ name: 'work', kind: 'imap', url: imap.url, user: 'bob', password: PASSWORD });
    settings.accounts.set({ name: 'other', kind: 'imap', url: imap.url, user: 'carol', password: 'carol-pass' });
  }, 60_000);

  afterAll(async () => {
    await imap?.cleanup();
    w.dir.remove();
  });

  const runner = () => w.runner({
    accounts: (name) => settings.accounts.credentials(name),
    accountNames: () => settings.accounts.list().map((a) => a.name),
    tasks: async () => tasks,
    trace: (_dir, m) => void crossed.push(JSON.stringify(m)),
  });

  it('reads only the granted account, and writes tasks only citing it', async () => {
    const id = w.install(PROBE, { permissions: [{ kind: 'read_email', resource: '*', reason: 'test', dangerous: true }] });
    w.grant(id, 'read_email', 'work');
    const r = await runner().run(id);
    expect(r).toMatchObject({ status: RunStatus.Ok, message: 'work:Hello|<hello@example.com>|Can you reply today? I need the signed lease back before the agent closes the office. ; other:denied ; task-other:denied ; task-made-up:bad-request ; task-work:ok:true' });
    expect(w.log(id)).toEqual(['allowed read_email work', 'denied read_email other', 'denied read_email other', 'error read_email work', 'allowed read_email work']);
    expect(tasks.list().map((t) => [t.title, t.source?.ref])).toEqual([['Reply to Bob', '<hello@example.com>']]);
    expect(crossed.join('\n')).not.toContain('Private to Carol');
    expect(crossed.filter((m) => m.includes(PASSWORD))).toEqual([]);
  });

  it('lists the accounts a plugin may read: all of a kind on *, less those denied by name', async () => {
    const id = w.install(`export default async (api) => JSON.stringify([await api.accounts('read_email'), await api.accounts('read_calendar')])`,
      { permissions: [{ kind: 'read_email', resource: '*', reason: 'test', dangerous: true }] });
    w.grant(id, 'read_email', '*');
    expect((await runner().run(id)).message).toBe('[["other","work"],[]]');
    w.deny(id, 'read_email', 'other');
    expect((await runner().run(id)).message).toBe('[["work"],[]]');
    w.revoke(id, 'read_email', '*');
    expect((await runner().run(id)).status).toBe(RunStatus.Refused);
  });

  it('refuses a task that quotes the message it came from, and writes nothing', async () => {
    const id = w.install(`
export default async function run(api) {
  const [m] = (await api.readMail('work')).messages;
  try { await api.addTask({ title: 'Todo: ' + m.text, source: { kind: 'mail', account: 'work', ref: m.messageId } }); return 'written'; }
  catch (e) { return e.code + ': ' + e.message; }
}`, { permissions: [{ kind: 'read_email', resource: '*', reason: 'test', dangerous: true }] });
    w.grant(id, 'read_email', 'work');
    const before = tasks.list().length;
    const r = await runner().run(id);
    expect(r.message).toBe('bad-request: a task may not quote the message it came from: write the title and note in other words');
    expect(tasks.list()).toHaveLength(before);
  });

  it('leaves the messages unread on the server', async () => {
    const client = new ImapFlow({ host: '127.0.0.1', port: imap.port, secure: false, auth: { user: 'bob', pass: PASSWORD }, logger: false });
    await client.connect();
    try {
      await client.mailboxOpen('INBOX', { readOnly: true });
      const [m] = await client.fetchAll('1:*', { flags: true });
      expect([...(m!.flags ?? [])]).not.toContain('\\Seen');
    } finally {
      await client.logout();
    }
  });

  it('logs a failed sign-in as an error, without the password', async () => {
    settings.accounts.set({ name: 'work', kind: 'imap', url: imap.url, user: 'bob', password: 'wrong-password-123' });
    const id = w.install(`export default async (api) => { await api.readMail('work'); return 'read'; }`, { permissions: [{ kind: 'read_email', resource: '*', reason: 'test', dangerous: true }] });
    w.grant(id, 'read_email', 'work');
    const r = await runner().run(id);
    expect(r.status).toBe(RunStatus.Failed);
    const entries = w.permissions.activity.read({ plugin: id });
    expect(entries.map((e) => `${e.outcome} ${e.permission} ${e.resource}`)).toEqual(['error read_email work']);
    expect(entries[0]!.detail).toMatch(/could not sign in to mail account work/);
    expect(JSON.stringify(entries)).not.toContain('wrong-password-123');
  });
});
