/** A gateway restart with tmux: the next manager finds the shells, re-attaches them, screen intact. */
import { mkdtemp, realpath, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createPtyHost } from './pty-host.ts';
import { SessionManager } from './session-manager.ts';
import { shellEnv, spawnPty, tempDir, waitFor, WRITER } from './test-support.ts';
import { detectTmux, runCommand, socketArgs, type TmuxConfig } from './tmux.ts';

const hasTmux = (await detectTmux(runCommand)) !== null;
const socketDir = await mkdtemp(join(tmpdir(), 'tendril-tmux-'));
const tmux: TmuxConfig = { bin: 'tmux', socket: { path: join(socketDir, 'tmux.sock') } };

afterAll(async () => {
  if (hasTmux) await runCommand('tmux', [...socketArgs(tmux), 'kill-server']);
  await rm(socketDir, { recursive: true, force: true });
});

const manager = (): SessionManager =>
  new SessionManager({
    host: createPtyHost({ spawn: spawnPty, tmux }),
    env: shellEnv(),
    shell: '/bin/sh',
    gate: () => ({ verify: () => WRITER, writers: () => [WRITER] }),
  });

describe.skipIf(!hasTmux)('recovering sessions after a restart', () => {
  it('re-attaches every surviving shell with its screen', async () => {
    const before = manager();
    const cwd = await tempDir();
    const { session } = await before.start({ title: 'keep me', cwd });
    session.input({ session: session.id, counter: 1, data: new TextEncoder().encode('echo still-""here\r') });
    await waitFor(async () => (await session.screenText()).includes('still-here'), 'the canary');
    await before.shutdown({ keepShells: true });
    expect(before.list()).toEqual([]);

    const after = manager();
    expect(await after.recover()).toEqual([session.id]);
    const again = after.get(session.id);
    expect(again.info().cwd).toBe(await realpath(cwd));
    await waitFor(async () => (await again.screenText()).includes('still-here'), 'the canary after recovery');
    await after.shutdown({ keepShells: false });
    expect(await after.recover()).toEqual([]);
  });
});
