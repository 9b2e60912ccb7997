/**
 * Secrets kept off the command line: the real `tendril` process reads an
 * invite link (`join --home H -`) and a message (`chat send --home H CHAT -`)
 * from standard input, so neither shows in `ps`.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliOk, relayFixture } from './harness.ts';
import { runTendril } from './processes.ts';

const env = relayFixture('stdin', { beforeAll, afterAll });
let alice: string;
let chat: string;

beforeAll(async () => {
  alice = join(env.dir, 'alice');
  await cliOk('init', '--home', alice, '--relay', env.relay.url, '--name', 'alice');
  chat = (await cliOk('chat', 'new', '--home', alice, '--title', 'secrets')).last;
}, 60_000);

describe('secrets on standard input', () => {
  it('joins with the invite link read from stdin and sends a message read from stdin', async () => {
    const bob = join(env.dir, 'bob');
    const link = (await cliOk('invite', '--home', alice, '--role', 'device')).last;
    const joined = await runTendril(['join', '--home', bob, '-', '--name', 'bob'], { stdin: `${link}\n` });
    expect(joined.code, joined.err).toBe(0);
    expect(joined.out).toMatch(/joined workspace \S+ as device/);

    const text = 'a secret message\nover two lines';
    const sent = await runTendril(['chat', 'send', '--home', bob, chat, '-'], { stdin: `${text}\n` });
    expect(sent.code, sent.err).toBe(0);
    expect(sent.out).toContain('saved to relay');
    const shown = await cliOk('chat', 'show', '--home', alice, chat, '--json', '--wait-for', 'over two lines', '--timeout', '20');
    expect((JSON.parse(shown.last) as { content: string }[]).map((m) => m.content)).toEqual([text]);
  }, 120_000);

  it('refuses an empty message on stdin and names the problem', async () => {
    const r = await runTendril(['chat', 'send', '--home', alice, chat, '-'], { stdin: '' });
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/the message on standard input is empty \[E_BAD_INPUT\]/);
  }, 60_000);

  it('still takes the message as arguments', async () => {
    const r = await runTendril(['chat', 'send', '--home', alice, chat, 'plain', 'words']);
    expect(r.code, r.err).toBe(0);
    const shown = await cliOk('chat', 'show', '--home', alice, chat, '--json');
    expect((JSON.parse(shown.last) as { content: string }[]).map((m) => m.content)).toContain('plain words');
  }, 60_000);
});
