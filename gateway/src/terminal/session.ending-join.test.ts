/**
 * A viewer that asks for a snapshot while the session ends gets the final
 * snapshot, not an error: the mirror closes once the final snapshot and text
 * are taken, and a request that reached it after them is refused by the close.
 * A scripted PTY and a scripted mirror thread set the exact order.
 */
import type { SessionId } from '@tendril/crdt-schema/ids';
import { describe, expect, it } from 'vitest';
import type { FromMirror, MirrorThread, ToMirror } from './mirror-channel.ts';
import { PtyProcess, type PtyLike } from './pty-process.ts';
import { TerminalSession } from './session.ts';
import { waitFor, WRITER } from './test-support.ts';

class ScriptedPty implements PtyLike {
  readonly pid = 7;
  private exit: ((e: { exitCode: number }) => void)[] = [];
  onData(): void {}
  onExit(l: (e: { exitCode: number }) => void): void {
    this.exit.push(l);
  }
  write(): void {}
  resize(): void {}
  pause(): void {}
  resume(): void {}
  kill(): void {
    queueMicrotask(() => this.exit.forEach((l) => l({ exitCode: 0 })));
  }
}

/** A mirror thread that answers only when told to, so the test sets the order of answers. */
class ScriptedThread {
  readonly posted: ToMirror[] = [];
  private listener: (m: FromMirror) => void = () => {};
  postMessage(m: ToMirror): void {
    this.posted.push(m);
  }
  on(event: string, l: (m: FromMirror) => void): this {
    if (event === 'message') this.listener = l;
    return this;
  }
  async terminate(): Promise<number> {
    return 0;
  }
  /** Answers the request with id `id`. */
  answer(id: number): void {
    const m = this.posted.find((p) => 'id' in p && p.id === id)!;
    if (m.t === 'text') this.listener({ t: 'text', id, text: 'final screen' });
    else this.listener({ t: 'snapshot', id, coversSeq: 0, coversOffset: 0, size: { cols: 80, rows: 24 }, gzip: Uint8Array.of(id), scrollbackLines: 0, takenAt: 0, rebuilt: false });
  }
  requests(t: 'snapshot' | 'text'): number[] {
    return this.posted.flatMap((p) => (p.t === t ? [p.id] : []));
  }
}

describe('a snapshot asked for while the session ends', () => {
  it('is the final snapshot', async () => {
    const thread = new ScriptedThread();
    const pty = new ScriptedPty();
    const process = new PtyProcess('s'.repeat(22) as SessionId, pty, { mode: 'plain', endShell: async (p) => p.kill(), stillRunning: async () => false });
    const session = new TerminalSession({
      id: 's'.repeat(22) as SessionId, title: 't', cwd: '/tmp', shell: 'sh', process, size: { cols: 80, rows: 24 },
      gate: { verify: () => WRITER, writers: () => [WRITER] },
      mirror: { startThread: () => thread as unknown as MirrorThread },
    });
    const ended = session.end();
    // The session takes its final snapshot, then its final text.
    const [finalId] = await waitFor(() => (thread.requests('snapshot').length === 1 ? thread.requests('snapshot') : false), 'the final snapshot request');
    thread.answer(finalId!);
    const [textId] = await waitFor(() => (thread.requests('text').length === 1 ? thread.requests('text') : false), 'the final text request');
    // A viewer's join asks for a snapshot now: its request reaches the mirror after the final ones.
    const joining = session.snapshot();
    expect(thread.requests('snapshot')).toHaveLength(2);
    thread.answer(textId!);
    await ended;
    const snap = await joining;
    expect(snap.gzip).toEqual(Uint8Array.of(finalId!));
    expect(await session.screenText()).toBe('final screen');
  });
});
