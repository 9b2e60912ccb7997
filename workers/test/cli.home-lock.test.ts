/**
 * One home, several `tendril` processes at once: every message a command
 * reports as saved is on another device afterwards. Without the home lock
 * each process picked the same next author counter and the relay kept only
 * one of the updates.
 */
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
