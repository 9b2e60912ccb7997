/**
 * With tmux, a shell outlives the gateway's hold on it: detach the process
 * (as a gateway restart does), find the session again, re-attach, and the
 * screen is still there. Skipped where tmux is not installed.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { newSessionId } from '@tendril/crdt-schema/ids';
import { afterAll, describe, expect, it } from 'vitest';
import { createPtyHost } from './pty-host.ts';
import { TerminalSession } from './session.ts';
import { shellEnv, spawnPty, tempDir, waitFor, WRITER } from './test-support.ts';
import { detectTmux, runCommand, socketArgs, type TmuxConfig } from './tmux.ts';

const hasTmux = (await detectTmux(runCommand)) !== null;
const socketDir = await mkdtemp(join(tmpdir(), 'tendril-tmux-'));
const tmux: TmuxConfig = { bin: 'tmux', socket: { path: join(socketDir, 'tmux.sock') } };
const gate = { verify: () => WRITER, writers: () => [WRITER] };

afterAll(async () => {
  if (hasTmux) await runCommand('tmux', [...socketArgs(tmux), 'kill-server']);
  await rm(socketDir, { recursive: true, force: true });
});

describe.skipIf(!hasTmux)('shells under tmux', () => {
  it('survive the host going away and are re-attached with their screen', async () => {
    const id = newSessionId();
    const cwd = await tempDir();
    const size = { cols: 80, rows: 24 };
    const first = createPtyHost({ spawn: spawnPty, tmux });
    const { process } = await first.start({ sessionId: id, shell: '/bin/sh', cwd, env: shellEnv(), ...size });
    expect(process.mode).toBe('tmux');
    const before = new TerminalSession({ id, title: 't', cwd, shell: 'sh', process, size, gate });
    before.input({ session: id, counter: 1, data: new TextEncoder().encode('echo sur""vivor-31337\r') });
    await waitFor(async () => (await before.screenText()).includes('survivor-31337'), 'the canary before the restart');
    await before.detach();
    expect(process.exit?.reason).toBe('detached');

    const second = createPtyHost({ spawn: spawnPty, tmux });
    expect(await second.list()).toContainEqual({ sessionId: id, cwd: expect.stringContaining('tendril-term-') });
    const again = await second.attach(id, size, shellEnv());
    const after = new TerminalSession({ id, title: 't', cwd, shell: 'sh', process: again, size, gate });
    await waitFor(async () => (await after.screenText()).includes('survivor-31337'), 'the canary after re-attaching');
    after.input({ session: id, counter: 2, data: new TextEncoder().encode('echo st""ill-alive\r') });
    await waitFor(async () => (await after.screenText()).includes('still-alive'), 'the shell to answer');

    const exit = await after.end();
    expect(exit.reason).toBe('ended');
    expect((await second.list()).map((s) => s.sessionId)).not.toContain(id);
  });

  it('refuses to attach to a session that does not exist', async () => {
    const host = createPtyHost({ spawn: spawnPty, tmux });
    await expect(host.attach(newSessionId(), { cols: 80, rows: 24 })).rejects.toMatchObject({ code: 'E_UNKNOWN_SESSION' });
  });

  it('writes the instruction file into the working directory before the shell starts', async () => {
    const cwd = await tempDir();
    const host = createPtyHost({ spawn: spawnPty, tmux });
    const id = newSessionId();
    const { process, agentsFile } = await host.start({ sessionId: id, shell: '/bin/sh', cwd, env: shellEnv(), cols: 80, rows: 24, agentsFile: { content: '# be careful\n' } });
    expect(agentsFile?.outcome).toBe('written');
    await process.end();
  });
});
