/** tmux command lines: a dedicated socket, a quiet server, sessions named by id; answers parsed. */
import type { SessionId } from '@tendril/crdt-schema/ids';
import { describe, expect, it } from 'vitest';
import type { RunCommand } from './tmux.ts';
import { attachArgs, clientEnv, detectTmux, listTmuxSessions, newSessionArgs, tmuxSocketName, type TmuxConfig } from './tmux.ts';

const ID = 'Ab_-cdefghijklmnopqrstu' as SessionId;
const byName: TmuxConfig = { bin: 'tmux', socket: { name: tmuxSocketName('gw1') } };
const byPath: TmuxConfig = { bin: 'tmux', socket: { path: '/run/t.sock' } };

describe('tmux commands', () => {
  it('creates a detached session on the gateway socket with the shell, size, cwd and env', () => {
    const args = newSessionArgs(byName, { sessionId: ID, shell: '/bin/bash', args: ['-l'], cwd: '/w', env: { A: '1', TERM: 'dumb', TMUX: 'x' }, cols: 100, rows: 30 });
    expect(args.slice(0, 5)).toEqual(['-L', 'tendril-gw1', '-f', '/dev/null', 'start-server']);
    expect(args.join(' ')).toContain('; set -g prefix None ;');
    expect(args.join(' ')).toContain('; set -s escape-time 0 ;');
    expect(args.slice(args.indexOf('new-session'))).toEqual(['new-session', '-d', '-s', ID, '-x', '100', '-y', '30', '-c', '/w', '-e', 'A=1', '--', '/bin/bash', '-l']);
  });

  it('attaches by exact name, on a socket path when configured', () => {
    expect(attachArgs(byPath, ID)).toEqual(['-S', '/run/t.sock', 'attach-session', '-t', `=${ID}`]);
  });

  it('gives the client an xterm TERM and no enclosing tmux', () => {
    expect(clientEnv({ TERM: 'dumb', TMUX: '/tmp/x', HOME: '/h' })).toEqual({ HOME: '/h', TERM: 'xterm-256color' });
  });

  it('detects tmux from its version answer, and lists sessions', async () => {
    const calls: string[][] = [];
    const run: RunCommand = async (file, args) => {
      calls.push([file, ...args]);
      if (args[0] === '-V') return { code: 0, stdout: 'tmux 3.3a\n', stderr: '' };
      return { code: 0, stdout: `${ID}\t/home/me/src\nother\t/tmp\n`, stderr: '' };
    };
    expect(await detectTmux(run)).toBe('tmux 3.3a');
    expect(await listTmuxSessions(run, byName)).toEqual([{ name: ID, cwd: '/home/me/src' }, { name: 'other', cwd: '/tmp' }]);
    expect(calls[1]).toEqual(['tmux', '-L', 'tendril-gw1', 'list-sessions', '-F', '#{session_name}\t#{pane_current_path}']);
    const missing: RunCommand = async () => ({ code: -1, stdout: '', stderr: 'ENOENT' });
    expect(await detectTmux(missing)).toBeNull();
    expect(await listTmuxSessions(missing, byName)).toEqual([]);
  });
});
