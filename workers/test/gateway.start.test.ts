/**
 * Starting sessions on a real gateway process. An agent session's folder
 * holds AGENTS.md and CLAUDE.md with the agent and notes chosen at start
 * (a folder with its own AGENTS.md keeps it). And a gateway says why it did
 * not start a session, and the requester hears it:
 * a working folder that does not exist is refused with E_SPAWN_FAILED and
 * that reason, and a sixth session with E_SESSION_LIMIT and "this gateway
 * runs at most 5 sessions" (before, both read as E_FORBIDDEN "see its log").
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, cliOk, eventually, relayFixture } from './harness.ts';
import { makeWorkspace, type Workspace } from './peers.ts';
import { startTendril, type TendrilProcess } from './processes.ts';

describe('a gateway that cannot start a session says why', () => {
  const env = relayFixture('gw-errors', { beforeAll, afterAll });
  let ws: Workspace;
  let gateway: TendrilProcess;
  const admin = () => ws.homes[0]!;

  beforeAll(async () => {
    ws = await makeWorkspace(env.dir, env.relay.url, 0);
    await cliOk('join', '--home', join(env.dir, 'gw'), (await cliOk('invite', '--home', admin(), '--role', 'gateway')).last, '--name', 'gw');
    gateway = startTendril(['gateway', '--home', join(env.dir, 'gw'), '--name', 'gw', '--no-tmux', '--shell', '/bin/sh', '--cwd', env.dir], ' running');
    await gateway.ready;
  }, 120_000);

  afterAll(() => gateway?.kill());

  it('writes the instruction files with the chosen agent configuration into the chosen folder', async () => {
    const folder = join(env.dir, 'project');
    mkdirSync(folder);
    await cliOk('term', 'new', '--home', admin(), '--gateway', 'gw', '--cwd', folder, '--agent', 'codex', '--notes', 'Run the tests with npm test before you commit.', '--title', 'agent work');
    for (const name of ['AGENTS.md', 'CLAUDE.md']) {
      const text = readFileSync(join(folder, name), 'utf8');
      expect(text).toMatch(/^# Instructions for Codex CLI\n/);
      expect(text).toContain(`working folder \`${folder}\``);
      expect(text).toContain('Agent: Codex CLI (codex)');
      expect(text).toContain('Run the tests with npm test before you commit.');
      expect(text).toContain('Never print secrets');
    }
    const s = await ws.open(0);
    try {
      await s.syncOrQueue(10_000);
      expect(s.workspace().sessions.list().find((e) => e.title === 'agent work')).toMatchObject({ state: 'running', agent: 'codex', cwd: folder });
    } finally {
      await s.close();
    }
  }, 60_000);

  it("keeps a folder's own AGENTS.md, and writes no file for a plain shell", async () => {
    const own = join(env.dir, 'own');
    mkdirSync(own);
    writeFileSync(join(own, 'AGENTS.md'), 'my own rules\n');
    await cliOk('term', 'new', '--home', admin(), '--gateway', 'gw', '--cwd', own, '--agent', 'claude');
    expect(readFileSync(join(own, 'AGENTS.md'), 'utf8')).toBe('my own rules\n');
    expect(readFileSync(join(own, 'CLAUDE.md'), 'utf8')).toMatch(/^# Instructions for Claude Code/);
    await eventually(() => /AGENTS\.md kept as it was/.test(gateway.log()), 10_000, 'the kept file in the gateway log');
    const plain = join(env.dir, 'plain');
    mkdirSync(plain);
    await cliOk('term', 'new', '--home', admin(), '--gateway', 'gw', '--cwd', plain);
    expect(() => readFileSync(join(plain, 'AGENTS.md'))).toThrow(/ENOENT/);
  }, 60_000);

  it('refuses a working folder that does not exist, with the reason in the index', async () => {
    const r = await cli('term', 'new', '--home', admin(), '--gateway', 'gw', '--cwd', join(env.dir, 'no-such-folder'));
    expect(r.code).toBe(1);
    expect(r.err.join('\n')).toMatch(/working directory .*no-such-folder does not exist \[E_SPAWN_FAILED\]/);
    const s = await ws.open(0);
    try {
      await s.syncOrQueue(10_000);
      const failed = s.workspace().sessions.list().find((e) => e.cwd?.endsWith('no-such-folder'));
      expect(failed).toMatchObject({ state: 'ended', failure: { code: 'E_SPAWN_FAILED' } });
    } finally {
      await s.close();
    }
  }, 60_000);

  it('refuses a sixth session with E_SESSION_LIMIT', async () => {
    // Three run already (the agent sessions and the plain shell above); two more fill the gateway.
    for (let i = 0; i < 2; i++) await cliOk('term', 'new', '--home', admin(), '--gateway', 'gw', '--title', `s${i}`);
    const sixth = await cli('term', 'new', '--home', admin(), '--gateway', 'gw', '--title', 'one too many');
    expect(sixth.code).toBe(1);
    expect(sixth.err.join('\n')).toMatch(/this gateway runs at most 5 sessions.*\[E_SESSION_LIMIT\]/);
    // The gateway's stderr reaches this process on its own pipe, maybe after the CLI heard back.
    await eventually(() => /not started \(E_SESSION_LIMIT: this gateway runs at most 5 sessions/.test(gateway.log()), 10_000, 'the refusal in the gateway log');
  }, 120_000);
});
