/** Exit reasons, bounded pauses and writes, against a scripted PTY. */
import type { SessionId } from '@tendril/crdt-schema/ids';
import { describe, expect, it } from 'vitest';
import { PtyProcess, type PtyControl, type PtyLike } from './pty-process.ts';
import { ManualTimers, waitFor } from './test-support.ts';

class FakePty implements PtyLike {
  readonly pid = 42;
  paused = false;
  written: string[] = [];
  killed: string[] = [];
  private data: ((d: string | Uint8Array) => void)[] = [];
  private exit: ((e: { exitCode: number; signal?: number }) => void)[] = [];
  onData(l: (d: string | Uint8Array) => void): void {
    this.data.push(l);
  }
  onExit(l: (e: { exitCode: number; signal?: number }) => void): void {
    this.exit.push(l);
  }
  write(d: string | Buffer): void {
    this.written.push(String(d));
  }
  resize(): void {}
  pause(): void {
    this.paused = true;
  }
  resume(): void {
    this.paused = false;
  }
  kill(signal = 'SIGHUP'): void {
    this.killed.push(signal);
    queueMicrotask(() => this.exit.forEach((l) => l({ exitCode: 0, signal: 1 })));
  }
  output(d: string): void {
    this.data.forEach((l) => l(d));
  }
  die(code: number): void {
    this.exit.forEach((l) => l({ exitCode: code }));
  }
}

const ID = 'x'.repeat(22) as SessionId;
const control = (mode: 'tmux' | 'plain', running = false): PtyControl & { ended: number } => {
  const c = {
    mode,
    ended: 0,
    endShell: async (pty: PtyLike) => {
      c.ended++;
      pty.kill('SIGHUP');
    },
    stillRunning: async () => running,
  };
  return c;
};

describe('a PTY process', () => {
  it('reports a plain shell that exits by itself with its code', async () => {
    const pty = new FakePty();
    const p = new PtyProcess(ID, pty, control('plain'));
    const got: Uint8Array[] = [];
    p.on('data', (d) => got.push(d));
    pty.output('hi');
    expect(Buffer.from(got[0]!).toString()).toBe('hi');
    const exit = p.when('exit');
    pty.die(3);
    expect(await exit).toEqual({ reason: 'exited', exitCode: 3, signal: null });
  });

  it('tells ending from detaching under tmux', async () => {
    const ended = new FakePty();
    const c = control('tmux');
    expect(await new PtyProcess(ID, ended, c).end()).toMatchObject({ reason: 'ended', exitCode: null });
    expect(c.ended).toBe(1);
    const detached = new FakePty();
    const c2 = control('tmux', true);
    expect(await new PtyProcess(ID, detached, c2).detach()).toMatchObject({ reason: 'detached' });
    expect(c2.ended).toBe(0);
  });

  it('calls a tmux client that died while the shell still runs detached', async () => {
    const pty = new FakePty();
    const p = new PtyProcess(ID, pty, control('tmux', true));
    const exit = p.when('exit');
    pty.die(0);
    expect((await exit).reason).toBe('detached');
  });

  it('pauses reading for a bounded time only', () => {
    const pty = new FakePty();
    const timers = new ManualTimers();
    const p = new PtyProcess(ID, pty, control('plain'), timers);
    p.pause(100);
    expect([pty.paused, p.isPaused]).toEqual([true, true]);
    timers.advance(99);
    expect(pty.paused).toBe(true);
    timers.advance(1);
    expect([pty.paused, p.isPaused]).toEqual([false, false]);
    p.pause(100);
    p.resume();
    expect(timers.pending).toBe(0);
  });

  it('kills a shell that ignores the hang-up once the grace time is over', async () => {
    const pty = new FakePty();
    const timers = new ManualTimers();
    const stubborn: PtyControl = { mode: 'plain', endShell: async () => undefined, stillRunning: async () => false };
    const ending = new PtyProcess(ID, pty, stubborn, timers).end(3000);
    await waitFor(() => timers.pending > 0, 'the grace timer');
    timers.advance(2999);
    expect(pty.killed).toEqual([]);
    timers.advance(1);
    expect(pty.killed).toEqual(['SIGKILL']);
    expect((await ending).reason).toBe('ended');
  });

  it('ignores writes after exit', async () => {
    const pty = new FakePty();
    const p = new PtyProcess(ID, pty, control('plain'));
    p.write('a');
    await p.end();
    p.write('b');
    expect(pty.written).toEqual(['a']);
  });
});
