/** Without tmux: plain PTYs, nothing survives, and bad requests fail clearly. */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { newSessionId } from '@tendril/crdt-schema/ids';
import { describe, expect, it } from 'vitest';
import { createPtyHost } from './pty-host.ts';
import { shellEnv, spawnPty, tempDir } from './test-support.ts';

const host = createPtyHost({ spawn: spawnPty, tmux: null });
const spec = async () => ({ sessionId: newSessionId(), shell: '/bin/sh', cwd: await tempDir(), env: shellEnv(), cols: 80, rows: 24 });

describe('plain PTYs', () => {
  it('run the shell and report its exit code', async () => {
    const { process } = await host.start({ ...(await spec()), args: ['-c', 'exit 7'] });
    expect(process.mode).toBe('plain');
    expect(await process.when('exit')).toEqual({ reason: 'exited', exitCode: 7, signal: 0 });
  });

  it('write the instruction file first, keeping an existing one', async () => {
    const s = await spec();
    const first = await host.start({ ...s, args: ['-c', 'true'], agentsFile: { content: 'one' } });
    expect(first.agentsFile?.outcome).toBe('written');
    const second = await host.start({ ...s, sessionId: newSessionId(), args: ['-c', 'true'], agentsFile: { content: 'two' } });
    expect(second.agentsFile?.outcome).toBe('kept');
    expect(await readFile(join(s.cwd, 'AGENTS.md'), 'utf8')).toBe('one');
    await Promise.all([first.process.end(), second.process.end()]);
  });

  it('find a bare shell name on PATH', async () => {
    const { process } = await host.start({ ...(await spec()), shell: 'sh', args: ['-c', 'exit 3'] });
    expect(await process.when('exit')).toMatchObject({ exitCode: 3 });
  });

  it('refuse a missing working directory, a missing shell, a bad size, and re-attaching', async () => {
    const s = await spec();
    await expect(host.start({ ...s, cwd: join(s.cwd, 'missing') })).rejects.toMatchObject({ code: 'E_SPAWN_FAILED' });
    await expect(host.start({ ...s, cols: 0 })).rejects.toMatchObject({ code: 'E_BAD_INPUT' });
    await expect(host.start({ ...s, shell: '/no/such/shell' })).rejects.toMatchObject({ code: 'E_SPAWN_FAILED' });
    await expect(host.start({ ...s, shell: 'no-such-shell-here' })).rejects.toMatchObject({ code: 'E_SPAWN_FAILED', message: expect.stringMatching(/not found on the gateway's PATH/) });
    await expect(host.attach(s.sessionId, { cols: 80, rows: 24 })).rejects.toMatchObject({ code: 'E_UNKNOWN_SESSION' });
    expect(await host.list()).toEqual([]);
  });
});
