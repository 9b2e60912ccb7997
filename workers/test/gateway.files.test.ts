/**
 * Files into and out of a terminal session through the real relay and a
 * gateway process: `term upload` puts a 3 MB file into the session's working
 * directory byte for byte, `term download` brings it back, a viewer-role
 * device is refused, a path outside the directory is refused, and the relay's
 * data never holds the file's bytes.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, cliOk, relayFixture } from './harness.ts';
import { makeWorkspace, type Workspace } from './peers.ts';
import { startTendril, type TendrilProcess } from './processes.ts';

describe('file transfer with a terminal session', () => {
  const env = relayFixture('gw-files', { beforeAll, afterAll });
  let ws: Workspace;
  let gateway: TendrilProcess;
  let session = '';
  let cwd = '';
  let viewerHome = '';
  const canary = Buffer.from('file-canary-7f3a9c');
  const data = Buffer.concat([randomBytes(1_500_000), canary, randomBytes(1_500_000)]);
  const admin = () => ws.homes[0]!;

  beforeAll(async () => {
    ws = await makeWorkspace(env.dir, env.relay.url, 0);
    cwd = join(env.dir, 'work');
    mkdirSync(cwd);
    await cliOk('join', '--home', join(env.dir, 'gw'), (await cliOk('invite', '--home', admin(), '--role', 'gateway')).last, '--name', 'gw');
    gateway = startTendril(['gateway', '--home', join(env.dir, 'gw'), '--name', 'gw', '--no-tmux', '--shell', '/bin/sh', '--cwd', cwd], ' running', { PS1: '$ ' });
    await gateway.ready;
    viewerHome = join(env.dir, 'viewer');
    await cliOk('join', '--home', viewerHome, (await cliOk('invite', '--home', admin(), '--role', 'viewer')).last);
    session = (await cliOk('term', 'new', '--home', admin(), '--gateway', 'gw')).last;
    writeFileSync(join(env.dir, 'upload.bin'), data);
  }, 120_000);

  afterAll(() => gateway?.kill());

  it('uploads a file into the working directory and downloads it back, byte for byte', async () => {
    const up = await cliOk('term', 'upload', '--home', admin(), session, join(env.dir, 'upload.bin'), 'copy.bin');
    expect(up.last).toBe(`uploaded copy.bin (${data.length} bytes)`);
    expect(up.err.some((l) => l.startsWith('uploaded '))).toBe(true);
    expect(readFileSync(join(cwd, 'copy.bin')).equals(data)).toBe(true);
    const target = join(env.dir, 'back.bin');
    const down = await cliOk('term', 'download', '--home', admin(), session, 'copy.bin', target);
    expect(down.last).toBe(`downloaded ${target} (${data.length} bytes)`);
    expect(readFileSync(target).equals(data)).toBe(true);
  });

  it('refuses a viewer-role device and paths outside the working directory', async () => {
    const viewer = await cli('term', 'upload', '--home', viewerHome, session, join(env.dir, 'upload.bin'), 'viewer.bin');
    expect(viewer.code).not.toBe(0);
    expect(viewer.err.join('\n')).toMatch(/E_FORBIDDEN/);
    expect(readdirSync(cwd)).not.toContain('viewer.bin');
    const outside = await cli('term', 'download', '--home', admin(), session, '../relay/tendril.db', join(env.dir, 'stolen.db'));
    expect(outside.err.join('\n')).toMatch(/E_PATH_OUTSIDE/);
    expect(gateway.log()).toMatch(/refused \(E_FORBIDDEN/);
  });

  it('keeps the file off the relay', () => {
    const dir = join(env.dir, 'relay');
    for (const f of readdirSync(dir)) expect(readFileSync(join(dir, f)).includes(canary), f).toBe(false);
  });
});
