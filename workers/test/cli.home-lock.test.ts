/**
 * One home, several `tendril` processes at once: every message a command
 * reports as saved is on another device afterwards. Without the home lock
 * each process picked the same next author counter and the relay kept only
 * one of the updates.
 */
import { cpSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliOk, eventually, relayFixture } from './harness.ts';
import { makeWorkspace, type Workspace } from './peers.ts';
import { runTendril } from './processes.ts';

const env = relayFixture('home-lock', { beforeAll, afterAll });
let ws: Workspace;

beforeAll(async () => {
  ws = await makeWorkspace(env.dir, env.relay.url, 1);
}, 120_000);

describe('one home used by concurrent commands', () => {
  it('stores every message of concurrent chat send processes on one home', async () => {
    const texts = Array.from({ length: 5 }, (_, i) => `concurrent message ${i}`);
    const runs = await Promise.all(texts.map((t) => runTendril(['chat', 'send', '--home', ws.homes[0]!, ws.chat, t])));
    for (const r of runs) {
      expect(r.code, r.err).toBe(0);
      expect(r.out).toContain('saved to relay');
    }
    let seen: string[] = [];
    await eventually(
      async () => {
        const shown = await cliOk('chat', 'show', '--home', ws.homes[1]!, ws.chat, '--json');
        seen = (JSON.parse(shown.last) as { content: string }[]).map((m) => m.content);
        return texts.every((t) => seen.includes(t));
      },
      30_000,
      'every message on the other device',
    ).catch(() => undefined);
    expect([...seen].sort()).toEqual(expect.arrayContaining(texts));
    expect(seen.filter((t) => t.startsWith('concurrent message'))).toHaveLength(texts.length);
  }, 180_000);
});

describe('one device identity in two homes', () => {
  it('fails the second writer with E_COUNTER_CONFLICT instead of reporting a change the relay did not store', async () => {
    const copy = `${ws.homes[0]!}-copy`;
    cpSync(ws.homes[0]!, copy, { recursive: true });
    rmSync(join(copy, 'home.lock'), { force: true });
    await cliOk('chat', 'send', '--home', ws.homes[0]!, ws.chat, 'from the original');
    const second = await runTendril(['chat', 'send', '--home', copy, ws.chat, 'from the copy']);
    expect(second.code).toBe(1);
    expect(second.err).toMatch(/this change was not saved \[E_COUNTER_CONFLICT\]/);
    const shown = await cliOk('chat', 'show', '--home', ws.homes[1]!, ws.chat, '--json', '--wait-for', 'from the original', '--timeout', '20');
    expect((JSON.parse(shown.last) as { content: string }[]).map((m) => m.content)).not.toContain('from the copy');
  }, 120_000);
});
